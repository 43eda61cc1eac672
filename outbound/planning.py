"""Plan the notices a record change causes, as outbox rows, in the caller's transaction.

This is the glue between the domain (rows) and the pure planner in
`outbound.policy.planner`: it gathers the facts, asks the planner, and stores what
comes back. A notice planned twice (same idempotency key) is stored once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.models import (
    AddressKind,
    Business,
    Customer,
    Message,
    Notification,
    NotificationRule,
    Record,
    RecordSource,
)
from bot.services.catalogue import location_for_record, opening_hours
from outbound.policy.channels import ContactFacts
from outbound.policy.planner import (
    PRIVACY_HOLD,
    EventKind,
    PlannedNotice,
    RecordEvent,
    RecordFacts,
    RuleFacts,
    plan_notices,
    reminder_key_prefix,
    reminder_marker,
)
from outbound.policy.vocabulary import MessageStatus, NotificationStatus


def contact_facts(business: Business, customer: Customer) -> ContactFacts:
    tel = customer.address(AddressKind.TEL)
    whatsapp = customer.address(AddressKind.WHATSAPP)
    return ContactFacts(
        has_email=bool(customer.email),
        email_consent=customer.email_consent,
        has_phone=bool(customer.phone),
        phone_is_mobile=bool(customer.phone_is_mobile),
        sms_consent=customer.sms_consent,
        sms_opted_out_at=tel.opted_out_at if tel else None,
        sms_enabled=business.sms_enabled,
        sms_confirmation_always=business.sms_confirmation_always,
        has_whatsapp=whatsapp is not None,
        whatsapp_opted_out_at=whatsapp.opted_out_at if whatsapp else None,
    )


def record_facts(session: Session, record: Record) -> RecordFacts:
    return replace(
        plain_record_facts(record),
        awaiting_privacy_consent=_awaiting_privacy_consent(session, record),
    )


def plain_record_facts(record: Record) -> RecordFacts:
    """The record as the planner sees it, without the R1.12 privacy question (a
    query), for notices that question does not concern (rebook nudges)."""
    return RecordFacts(
        id=record.id,
        kind=record.kind,
        status=record.status,
        source=record.source,
        starts_at=record.starts_at,
        version=record.version,
        location_id=record.location_id,
    )


def _awaiting_privacy_consent(session: Session, record: Record) -> bool:
    """R1.12: a new customer who booked online has not accepted the privacy policy.

    An existing customer (one the business knew before: an earlier record not
    booked online) whose file holds SMS consent is not held back.
    """
    customer = record.customer
    if record.source != RecordSource.ONLINE or customer.privacy_accepted_at is not None:
        return False
    if not customer.sms_consent:
        return True
    known_before = session.scalar(
        select(Record.id)
        .where(
            Record.customer_id == customer.id,
            Record.id < record.id,
            Record.source != RecordSource.ONLINE,
        )
        .limit(1)
    )
    return known_before is None


def rule_facts(rule: NotificationRule) -> RuleFacts:
    return RuleFacts(
        id=rule.id,
        kind=rule.kind,
        trigger=rule.trigger,
        audience=rule.audience,
        channel=rule.channel,
        notice=rule.notice,
        trigger_status=rule.trigger_status,
        template_name=rule.template_name,
        delay_minutes=rule.delay_minutes,
        offset_minutes=rule.offset_minutes,
        location_ids=None if rule.all_locations else frozenset(loc.id for loc in rule.locations),
        enabled=rule.enabled,
        working_hours_only=rule.working_hours_only,
    )


def plan_for_event(
    session: Session,
    business: Business,
    record: Record,
    kind: EventKind,
    *,
    now: datetime,
    previous_status: str | None = None,
    previous_starts_at: datetime | None = None,
    notify_customer: bool = True,
) -> list[Notification]:
    """Store the notices `kind` causes on `record`; returns the rows added."""
    session.flush()
    withdraw_stale_reminders(session, record)
    rules = session.scalars(
        select(NotificationRule).where(
            NotificationRule.business_id == business.id, NotificationRule.kind == record.kind
        )
    ).all()
    event = RecordEvent(
        kind=kind,
        record=record_facts(session, record),
        previous_status=previous_status,
        previous_starts_at=previous_starts_at,
        notify_customer=notify_customer,
    )
    planned = plan_notices(
        event,
        [rule_facts(rule) for rule in rules],
        contact_facts(business, record.customer),
        business_email=business.notification_email or business.email_from,
        now=now,
        opening=opening_hours(location_for_record(session, business, record)),
        zone=business.timezone,
    )
    if not planned:
        return []
    known = {
        row.idempotency_key: row
        for row in session.scalars(
            select(Notification).where(
                Notification.idempotency_key.in_([p.idempotency_key for p in planned])
            )
        )
    }
    rows = []
    for notice in planned:
        existing = known.get(notice.idempotency_key)
        if existing is not None:
            if notice.is_reminder and existing.status == NotificationStatus.CANCELLED:
                # Moved away and back (or cancelled and reinstated): the reminder
                # for this start is wanted again.
                _replan(existing, notice, record)
            continue
        rows.append(outbox_row(business, record, notice))
    session.add_all(rows)
    session.flush()
    return rows


def outbox_row(business: Business, record: Record, notice: PlannedNotice) -> Notification:
    """The outbox row, not yet added, for a notice the planner planned about `record`."""
    return Notification(
        business_id=business.id,
        rule_id=notice.rule_id,
        record_id=record.id,
        customer_id=record.customer_id,
        audience=notice.audience,
        notice=notice.notice,
        template_name=notice.template_name,
        channel=notice.channel,
        due_at=notice.due_at,
        status=_planned_status(notice),
        reason=notice.skip_reason,
        idempotency_key=notice.idempotency_key,
        record_version=record.version,
    )


def _planned_status(notice: PlannedNotice) -> NotificationStatus:
    return NotificationStatus.SKIPPED if notice.skip_reason else NotificationStatus.SCHEDULED


def _replan(row: Notification, notice: PlannedNotice, record: Record) -> None:
    row.status = _planned_status(notice)
    row.reason = notice.skip_reason
    row.due_at = notice.due_at
    row.record_version = record.version
    row.lease_until = None


# Notices not yet handed to a transport; withdrawing one is safe (a queued job
# finds its row no longer queued and does nothing).
WITHDRAWABLE = (NotificationStatus.SCHEDULED, NotificationStatus.QUEUED)


def withdraw_notifications(session: Session, condition, reason: str) -> int:
    """Cancel the still-planned notices matching `condition`, with `reason`; returns how many.

    The UPDATE itself checks that a notice is still planned, so one that a send
    job claimed and sent meanwhile stays sent. A notice that failed a try keeps
    the message it stored, queued for the next one; that message is failed here
    too, in the notice's words, so nothing is left queued that will never be
    sent; only the messages of the notices this call withdrew.
    """
    withdrawn = session.scalars(
        update(Notification)
        .where(condition, Notification.status.in_(WITHDRAWABLE))
        .values(status=NotificationStatus.CANCELLED, reason=reason, lease_until=None)
        .returning(Notification.id)
        .execution_options(synchronize_session=False)
    ).all()
    if not withdrawn:
        return 0
    stored = select(Notification.message_id).where(Notification.id.in_(withdrawn))
    session.execute(
        update(Message)
        .where(Message.id.in_(stored), Message.status == MessageStatus.QUEUED)
        .values(status=MessageStatus.FAILED, error_message=f"not sent: {reason}")
        .execution_options(synchronize_session=False)
    )
    return len(withdrawn)


def withdraw_stale_reminders(session: Session, record: Record) -> None:
    """Cancel reminders still waiting for a start the record no longer has, or for a
    record that is closed; the job checks again at send time, this keeps the list honest."""
    closed = record.status in ("cancelled", "rejected", "completed", "no_show")
    reason = (
        f"appointment is {record.status}" if closed else "appointment was moved to another time"
    )
    stale = (Notification.record_id == record.id) & Notification.idempotency_key.startswith(
        reminder_key_prefix(record.id)
    )
    if not closed and record.starts_at is not None:
        stale = stale & ~Notification.idempotency_key.contains(reminder_marker(record.starts_at))
    withdraw_notifications(session, stale, reason)


def release_privacy_holds(session: Session, customer: Customer, *, now: datetime) -> int:
    """R1.12: the customer has accepted the privacy policy, so the reminders held
    back for it that are still ahead go out after all. Returns how many."""
    result = session.execute(
        update(Notification)
        .where(
            Notification.customer_id == customer.id,
            Notification.status == NotificationStatus.SKIPPED,
            Notification.reason == PRIVACY_HOLD,
            Notification.due_at > now,
        )
        .values(status=NotificationStatus.SCHEDULED, reason=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
