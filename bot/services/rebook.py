"""Rebook nudges as outbox rows: planned from visits, withdrawn when they stop holding
(seed 002: R2.1, R2.4–R2.6).

Rebook nudges are not caused by a record change, so nothing plans them in
the transaction of a change; `plan_rebook_nudges` scans instead (from rq
cron every few minutes, and at the start of every by-hand dispatch pass).
For each business with an enabled rebook rule it reads every customer's
appointments, asks `outbound.rebook` when their nudge for their last visit
is due, and stores it as a `Notification` on the visit's record, planned by
`outbound.planner.plan_nudge`: channel chosen as for every notice, skipped
with the reason when the customer cannot get it. The idempotency key names
rule, customer and visit (not the channel), so scanning again plans nothing
twice and a newer visit plans a new nudge; until the nudge is due every scan
decides it again, so a customer who gives consent or leaves an email address
in the meantime gets it on the channel that now fits, once. The same scan
withdraws planned nudges that no longer hold: the customer booked (R2.5) or
visited again, or the rule was switched off; a nudge withdrawn because of a
booking that is then cancelled is planned again. At send time
`nudge_stale_reason` and the recipient check check once more, for whatever
happened between the last scan and the send.

Functions flush; the caller commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, selectinload

from bot.models import (
    AppointmentStatus,
    Business,
    Customer,
    Notification,
    NotificationRule,
    Record,
    RecordKind,
    Service,
)
from bot.services.catalogue import location_for_record, opening_hours
from bot.services.notify import (
    WITHDRAWABLE,
    contact_facts,
    plain_record_facts,
    rule_facts,
    withdraw_notifications,
)
from outbound.hours import OpeningHours
from outbound.planner import RuleFacts, plan_nudge
from outbound.rebook import (
    KEY_PREFIX,
    Booking,
    RebookMode,
    RebookSettings,
    is_rebook_key,
    nudge_blocker,
    rebook_due,
    typical_intervals,
)
from outbound.vocabulary import Audience, NotificationStatus, Trigger

SWITCHED_OFF_REASON = "rebook nudges are switched off"
FEWER_CHANNELS_REASON = "the rule now sends this nudge on one channel"
_DECIDED_UNTIL_DUE = (NotificationStatus.SCHEDULED, NotificationStatus.SKIPPED)
# Appointments that can be a visit or a booking; cancelled, declined and
# no-show ones are neither.
_COUNTED_STATUSES = (
    AppointmentStatus.COMPLETED,
    AppointmentStatus.CONFIRMED,
    AppointmentStatus.PENDING,
)


def plan_rebook_nudges(session: Session, *, now: datetime) -> int:
    """Plan the nudges due under every enabled rebook rule as of `now`, and withdraw
    planned ones that no longer hold. Returns how many rows were planned (or
    planned again)."""
    _withdraw_switched_off(session)
    rules = session.scalars(
        select(NotificationRule)
        .where(
            NotificationRule.trigger == Trigger.REBOOK,
            NotificationRule.enabled.is_(True),
            NotificationRule.kind == RecordKind.APPOINTMENT,
            NotificationRule.audience == Audience.CUSTOMER,
        )
        .options(selectinload(NotificationRule.locations))
        .order_by(NotificationRule.business_id, NotificationRule.id)
    ).all()
    by_business: dict[int, list[NotificationRule]] = defaultdict(list)
    for rule in rules:
        by_business[rule.business_id].append(rule)
    planned = 0
    for business_id, business_rules in by_business.items():
        business = session.get(Business, business_id)
        planned += _plan_for_business(session, business, business_rules, now=now)
    session.flush()
    return planned


def nudge_stale_reason(session: Session, notification: Notification, visit: Record) -> str | None:
    """Why a planned nudge no longer holds at send time, or None when it does.

    The rule must still be an enabled rebook rule; the visit must still be one
    and the customer must have neither a booking ahead (R2.5) nor a newer
    visit, as of the moment the nudge was due."""
    rule = session.get(NotificationRule, notification.rule_id) if notification.rule_id else None
    if rule is None or not rule.enabled or rule.trigger != Trigger.REBOOK:
        return SWITCHED_OFF_REASON
    business = session.get(Business, notification.business_id)
    records = session.scalars(
        select(Record)
        .where(
            Record.business_id == business.id,
            Record.customer_id == visit.customer_id,
            Record.kind == RecordKind.APPOINTMENT,
            or_(Record.status.in_(_COUNTED_STATUSES), Record.id == visit.id),
        )
        .options(selectinload(Record.service))
    ).all()
    bookings = [_booking(record, {}) for record in records]
    return nudge_blocker(bookings, visit.id, now=notification.due_at, zone=business.timezone)


def is_rebook_nudge(notification: Notification) -> bool:
    """Whether the outbox row is a rebook nudge (planned here, keyed by visit)."""
    return is_rebook_key(notification.idempotency_key)


def _plan_for_business(
    session: Session, business: Business, rules: Sequence[NotificationRule], *, now: datetime
) -> int:
    planned = _planned_nudges(session, business)
    # The visits planned nudges are about are read whatever their status now,
    # so a withdrawal can say what became of the visit.
    records = session.scalars(
        select(Record)
        .where(
            Record.business_id == business.id,
            Record.kind == RecordKind.APPOINTMENT,
            or_(
                Record.status.in_(_COUNTED_STATUSES),
                Record.id.in_({visit_id for _, _, visit_id in planned}),
            ),
            Record.starts_at.is_not(None),
        )
        .options(selectinload(Record.service))
    ).all()
    categories = typical_intervals(
        session.execute(
            select(Service.category, Service.rebook_interval_days).where(
                Service.business_id == business.id
            )
        ).all()
    )
    bookings: dict[int, list[Booking]] = defaultdict(list)
    for record in records:
        bookings[record.customer_id].append(_booking(record, categories))
    by_id = {record.id: record for record in records}

    _withdraw_no_longer_holding(session, business, planned, bookings, now=now)

    wanted: list[tuple[RebookSettings, RuleFacts]] = [
        (
            RebookSettings(RebookMode(rule.rebook_mode), rule.rebook_days, rule.send_time),
            rule_facts(rule),
        )
        for rule in rules
    ]
    due: list[tuple[RuleFacts, Record, datetime]] = []
    for customer_bookings in bookings.values():
        for settings, rule in wanted:
            timing = rebook_due(customer_bookings, settings, now=now, zone=business.timezone)
            if timing.due_at is not None:
                due.append((rule, by_id[timing.visit.record_id], timing.due_at))
    if not due:
        return 0
    customers = {
        customer.id: contact_facts(business, customer)
        for customer in session.scalars(
            select(Customer)
            .where(Customer.id.in_({visit.customer_id for _, visit, _ in due}))
            .options(selectinload(Customer.addresses))
        )
    }
    openings: dict[int | None, OpeningHours] = {}
    rows = []
    for rule, visit, due_at in due:
        if rule.working_hours_only and visit.location_id not in openings:
            openings[visit.location_id] = opening_hours(
                location_for_record(session, business, visit)
            )
        for notice in plan_nudge(
            rule,
            plain_record_facts(visit),
            customers[visit.customer_id],
            customer_id=visit.customer_id,
            due_at=due_at,
            opening=openings.get(visit.location_id),
            zone=business.timezone,
        ):
            rows.append(
                Notification(
                    business_id=business.id,
                    rule_id=notice.rule_id,
                    record_id=visit.id,
                    customer_id=visit.customer_id,
                    audience=notice.audience,
                    notice=notice.notice,
                    template_name=notice.template_name,
                    channel=notice.channel,
                    due_at=notice.due_at,
                    status=(
                        NotificationStatus.SKIPPED
                        if notice.skip_reason
                        else NotificationStatus.SCHEDULED
                    ),
                    reason=notice.skip_reason,
                    idempotency_key=notice.idempotency_key,
                    record_version=visit.version,
                )
            )
    return _store(session, rows, now=now)


def _store(session: Session, rows: list[Notification], *, now: datetime) -> int:
    """Add the nudges whose key is new and decide again the stored ones still open
    to it (`_open_to_change`); withdraw those a rule no longer plans for the visit.
    Returns how many rows were added or changed."""
    keys = [row.idempotency_key for row in rows]
    known = {
        row.idempotency_key: row
        for row in session.scalars(
            select(Notification)
            .where(Notification.idempotency_key.in_(keys))
            .execution_options(populate_existing=True)
        )
    }
    stored = 0
    for row in rows:
        existing = known.get(row.idempotency_key)
        if existing is None:
            session.add(row)
            stored += 1
        elif _decision(existing) != _decision(row):
            stored += _decide_again(session, existing, row, now=now)
    _withdraw_dropped_positions(session, rows)
    session.flush()
    return stored


def _open_to_change(now: datetime):
    """The stored nudges a scan may decide again: one not yet due, scheduled or
    skipped, whose channel and status follow the customer's details until then
    (consent given or withdrawn, an email address left), and one withdrawn earlier
    (for a booking since cancelled, or while the rule was off). Claimed and sent
    ones stay as they are, and so does a skip once its moment has come."""
    not_yet_due = Notification.status.in_(_DECIDED_UNTIL_DUE) & (Notification.due_at > now)
    return (Notification.status == NotificationStatus.CANCELLED) | not_yet_due


def _decision(row: Notification) -> tuple:
    return (row.channel, row.status, row.reason, row.due_at, row.record_version)


def _decide_again(session: Session, existing: Notification, row: Notification, *, now) -> int:
    # The condition is checked by the UPDATE itself: the dispatcher may claim the
    # row between this scan's read and its write.
    result = session.execute(
        update(Notification)
        .where(Notification.id == existing.id, _open_to_change(now))
        .values(
            channel=row.channel,
            status=row.status,
            reason=row.reason,
            due_at=row.due_at,
            record_version=row.record_version,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    session.expire(existing)
    return result.rowcount


def _withdraw_dropped_positions(session: Session, rows: list[Notification]) -> None:
    """Withdraw the planned nudges of a rule, customer and visit under a position the
    rule no longer sends (it sent `sms_and_email`, now one channel)."""
    planned = {(row.rule_id, row.customer_id, row.record_id) for row in rows}
    keys = {row.idempotency_key for row in rows}
    dropped = [
        notification_id
        for notification_id, rule_id, customer_id, visit_id, key in session.execute(
            select(
                Notification.id,
                Notification.rule_id,
                Notification.customer_id,
                Notification.record_id,
                Notification.idempotency_key,
            ).where(
                Notification.record_id.in_({visit_id for _, _, visit_id in planned}),
                Notification.idempotency_key.startswith(KEY_PREFIX),
                Notification.status.in_(WITHDRAWABLE),
            )
        )
        if (rule_id, customer_id, visit_id) in planned and key not in keys
    ]
    if dropped:
        withdraw_notifications(session, Notification.id.in_(dropped), FEWER_CHANNELS_REASON)


def _planned_nudges(session: Session, business: Business) -> list[tuple[int, int, int]]:
    """(id, customer id, visit id) of the business's nudges not yet sending."""
    return [
        tuple(row)
        for row in session.execute(
            select(Notification.id, Notification.customer_id, Notification.record_id).where(
                Notification.business_id == business.id,
                Notification.status.in_(WITHDRAWABLE),
                Notification.idempotency_key.startswith(KEY_PREFIX),
            )
        )
    ]


def _withdraw_no_longer_holding(
    session: Session,
    business: Business,
    planned: Sequence[tuple[int, int, int]],
    bookings: dict[int, list[Booking]],
    *,
    now: datetime,
) -> None:
    """Withdraw the business's planned nudges whose customer booked or visited again,
    or whose visit is no longer one."""
    by_reason: dict[str, list[int]] = defaultdict(list)
    for notification_id, customer_id, visit_id in planned:
        reason = nudge_blocker(
            bookings.get(customer_id, []), visit_id, now=now, zone=business.timezone
        )
        if reason:
            by_reason[reason].append(notification_id)
    for reason, ids in by_reason.items():
        withdraw_notifications(session, Notification.id.in_(ids), reason)


def _withdraw_switched_off(session: Session) -> None:
    """Withdraw planned nudges of rules that are disabled (or no longer rebook rules)."""
    switched_off = select(NotificationRule.id).where(
        (NotificationRule.enabled.is_(False)) | (NotificationRule.trigger != Trigger.REBOOK)
    )
    withdraw_notifications(
        session,
        Notification.idempotency_key.startswith(KEY_PREFIX)
        & Notification.rule_id.in_(switched_off),
        SWITCHED_OFF_REASON,
    )


def _booking(record: Record, categories: dict[str, int]) -> Booking:
    service = record.service
    return Booking(
        record_id=record.id,
        starts_at=record.starts_at,
        status=record.status,
        service_name=service.name if service else None,
        interval_days=service.rebook_interval_days if service else None,
        category_interval_days=(
            categories.get(service.category) if service and service.category else None
        ),
    )
