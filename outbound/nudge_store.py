"""Rebook nudges in the outbox: one row per rule, customer, visit and position, decided
again by every scan until it is due (seed 002).

The rebook scan (`outbound.rebook_scan`) hands over each nudge due (rule,
visit, moment); here the visit and its customer are read in full and the
planner decides it (`outbound.policy.planner.plan_nudge`). A nudge whose key is new is
added, unless the same visit's nudge already went out on that channel under
another position (the rule's channels changed); a stored one still open to
change (not yet due, or withdrawn earlier and wanted again) takes the new
decision: channel, status, reason and an earlier due time, never a later one
(a nudge whose moment came may be waiting for a retry, its sender's turn or
opening hours), so a customer who gives consent or leaves an email address
before the moment gets the nudge once, on the channel that fits now. A nudge
under a position the rule no longer sends (it sent `sms_and_email`, now one
channel) is withdrawn. Every write re-checks its condition in the statement itself,
because the dispatcher may claim a row between the scan's read and its write.

Functions flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from bot.models import Business, Customer, Notification, Record
from bot.services.catalogue import location_for_record, opening_hours
from outbound.planning import (
    WITHDRAWABLE,
    contact_facts,
    outbox_row,
    plain_record_facts,
    withdraw_notifications,
)
from outbound.policy.hours import OpeningHours
from outbound.policy.planner import PlannedNotice, RuleFacts, plan_nudge
from outbound.policy.rebook_timing import KEY_PREFIX
from outbound.policy.vocabulary import NotificationStatus

FEWER_CHANNELS_REASON = "the rule now sends this nudge on one channel"
# Planned ahead of their moment: decided again until then.
_DECIDED_UNTIL_DUE = (NotificationStatus.SCHEDULED, NotificationStatus.SKIPPED)
_GONE_OUT = (
    NotificationStatus.QUEUED,
    NotificationStatus.SENDING,
    NotificationStatus.SENT,
    NotificationStatus.DELIVERED,
)


class DueNudge(NamedTuple):
    """A nudge the scan found due: under which rule, for which visit, from when."""

    rule: RuleFacts
    visit_id: int
    due_at: datetime


def store_due_nudges(
    session: Session, business: Business, due: Sequence[DueNudge], *, now: datetime
) -> int:
    """Plan the nudges the scan found due (`outbound.policy.planner.plan_nudge`: channel, or
    skipped with the reason) and store them as `store_nudges` does. Only here
    are the visits' records and their customers read in full: the scan itself
    reads plain rows. Returns how many rows were added or changed."""
    visits = {
        record.id: record
        for record in session.scalars(
            select(Record).where(Record.id.in_({nudge.visit_id for nudge in due}))
        )
    }
    customers = {
        customer.id: contact_facts(business, customer)
        for customer in session.scalars(
            select(Customer)
            .where(Customer.id.in_({visit.customer_id for visit in visits.values()}))
            .options(selectinload(Customer.addresses))
        )
    }
    openings: dict[int | None, OpeningHours] = {}
    nudges = []
    for rule, visit_id, due_at in due:
        visit = visits[visit_id]
        if rule.working_hours_only and visit.location_id not in openings:
            openings[visit.location_id] = opening_hours(
                location_for_record(session, business, visit)
            )
        planned_nudge = plan_nudge(
            rule,
            plain_record_facts(visit),
            customers[visit.customer_id],
            customer_id=visit.customer_id,
            due_at=due_at,
            opening=openings.get(visit.location_id),
            zone=business.timezone,
        )
        nudges.extend((notice, visit) for notice in planned_nudge)
    return store_nudges(session, business, nudges, now=now)


def store_nudges(
    session: Session,
    business: Business,
    nudges: Sequence[tuple[PlannedNotice, Record]],
    *,
    now: datetime,
) -> int:
    """Store the planned nudges (each with the visit it is about) as of `now`: add the
    new, decide again the stored ones open to change, withdraw dropped positions.
    Returns how many rows were added or changed."""
    rows = [outbox_row(business, visit, notice) for notice, visit in nudges]
    known = {
        row.idempotency_key: row
        for row in session.scalars(
            select(Notification)
            .where(Notification.idempotency_key.in_([row.idempotency_key for row in rows]))
            .execution_options(populate_existing=True)
        )
    }
    gone_out = _gone_out(session, rows)
    stored = 0
    for row in rows:
        existing = known.get(row.idempotency_key)
        if existing is None:
            if (row.rule_id, row.customer_id, row.record_id, row.channel) not in gone_out:
                session.add(row)
                stored += 1
        else:
            stored += _decide_again(session, existing, row, now=now)
    _withdraw_dropped_positions(session, rows)
    session.flush()
    return stored


def _open_to_change(now: datetime):
    """The stored nudges a scan may decide again: one not yet due, scheduled or
    skipped, whose channel and status follow the customer's details until then,
    and one withdrawn earlier (for a booking since cancelled, or while the rule
    was off). Claimed and sent ones stay as they are, and so does a skip once
    its moment has come."""
    not_yet_due = Notification.status.in_(_DECIDED_UNTIL_DUE) & (Notification.due_at > now)
    return (Notification.status == NotificationStatus.CANCELLED) | not_yet_due


def _decide_again(
    session: Session, existing: Notification, row: Notification, *, now: datetime
) -> int:
    """Give a stored nudge the scan's new decision, if it is still open to change and
    unchanged since it was read. Its due time only ever moves earlier: once its
    moment has come, the row may wait for a retry, its sender's turn or opening
    hours, and a later scan (whose moment is then tomorrow's) must not push it
    back. A scheduled row keeps the note of a failed try."""
    due_at = min(existing.due_at, row.due_at)
    reason = row.reason
    if row.status == existing.status == NotificationStatus.SCHEDULED and reason is None:
        reason = existing.reason
    decided = (row.channel, row.status, reason, due_at, row.record_version)
    if decided == (
        existing.channel,
        existing.status,
        existing.reason,
        existing.due_at,
        existing.record_version,
    ):
        return 0
    result = session.execute(
        update(Notification)
        .where(
            Notification.id == existing.id,
            Notification.due_at == existing.due_at,  # not moved since the scan read it
            _open_to_change(now),
        )
        .values(
            channel=row.channel,
            status=row.status,
            reason=reason,
            due_at=due_at,
            record_version=row.record_version,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    session.expire(existing)
    return result.rowcount


def _gone_out(session: Session, rows: Sequence[Notification]) -> set[tuple]:
    """(rule, customer, visit, channel) of the nudges already on their way or sent,
    under any key: a rule whose channels changed must not send one twice."""
    if not rows:
        return set()
    return {
        tuple(found)
        for found in session.execute(
            select(
                Notification.rule_id,
                Notification.customer_id,
                Notification.record_id,
                Notification.channel,
            ).where(
                Notification.record_id.in_({row.record_id for row in rows}),
                Notification.idempotency_key.startswith(KEY_PREFIX),
                Notification.status.in_(_GONE_OUT),
            )
        )
    }


def _withdraw_dropped_positions(session: Session, rows: Sequence[Notification]) -> None:
    """Withdraw the planned nudges of a rule, customer and visit under a position the
    rule no longer sends."""
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
