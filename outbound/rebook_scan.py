"""Rebook nudges as outbox rows: planned from visits, withdrawn when they stop holding
(seed 002: R2.1, R2.4–R2.6).

Rebook nudges are not caused by a record change, so nothing plans them in
the transaction of a change; `plan_rebook_nudges` scans instead (from rq
cron every few minutes, and at the start of every by-hand dispatch pass).
For each business with an enabled rebook rule it reads every customer's
appointments, asks `outbound.policy.rebook_timing` when their nudge for their last visit
is due, and stores it as a `Notification` on the visit's record, planned by
`outbound.policy.planner.plan_nudge`: channel chosen as for every notice, skipped
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
from collections.abc import Iterator, Sequence
from datetime import datetime
from itertools import groupby
from operator import itemgetter

from sqlalchemy import or_, select
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
from outbound.nudge_store import DueNudge, store_due_nudges
from outbound.planning import WITHDRAWABLE, rule_facts, withdraw_notifications
from outbound.policy.rebook_timing import (
    KEY_PREFIX,
    Booking,
    Prediction,
    RebookMode,
    RebookSettings,
    is_rebook_key,
    nudge_blocker,
    predict_next_visit,
    rebook_due,
    scan_horizon,
    typical_intervals,
)
from outbound.policy.vocabulary import Audience, Trigger

SWITCHED_OFF_REASON = "rebook nudges are switched off"
# Appointments that can be a visit or a booking; cancelled, declined and
# no-show ones are neither.
_COUNTED_STATUSES = (
    AppointmentStatus.COMPLETED,
    AppointmentStatus.CONFIRMED,
    AppointmentStatus.PENDING,
)
# A service as a visit's timing needs it: name, own interval, its category's interval.
ServiceFacts = tuple[str | None, int | None, int | None]
_NO_SERVICE: ServiceFacts = (None, None, None)
_READ_BATCH = 1000  # rows a scan reads at a time


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
    bookings = dict(
        _read_bookings(
            session,
            (Record.business_id == business.id)
            & (Record.customer_id == visit.customer_id)
            & (Record.kind == RecordKind.APPOINTMENT)
            & or_(Record.status.in_(_COUNTED_STATUSES), Record.id == visit.id),
            service_facts={},
        )
    )
    return nudge_blocker(
        bookings.get(visit.customer_id, []),
        visit.id,
        now=notification.due_at,
        zone=business.timezone,
    )


def predicted_visit(
    session: Session, business: Business, customer: Customer, *, now: datetime
) -> Prediction:
    """The customer's predicted next visit as of `now` and what it rests on (R2.6),
    read from their appointments as the nudge planner reads them, so the
    customer page shows the day the `predicted` rebook rules work from."""
    service_facts, _ = _service_facts(session, business)
    bookings = dict(
        _read_bookings(
            session,
            (Record.business_id == business.id)
            & (Record.customer_id == customer.id)
            & (Record.kind == RecordKind.APPOINTMENT)
            & Record.status.in_(_COUNTED_STATUSES)
            & Record.starts_at.is_not(None),
            service_facts,
        )
    )
    return predict_next_visit(bookings.get(customer.id, []), now=now, zone=business.timezone)


def is_rebook_nudge(notification: Notification) -> bool:
    """Whether the outbox row is a rebook nudge (planned here, keyed by visit)."""
    return is_rebook_key(notification.idempotency_key)


def _plan_for_business(
    session: Session, business: Business, rules: Sequence[NotificationRule], *, now: datetime
) -> int:
    wanted = [
        (
            RebookSettings(RebookMode(rule.rebook_mode), rule.rebook_days, rule.send_time),
            rule_facts(rule),
        )
        for rule in rules
    ]
    service_facts, longest_interval = _service_facts(session, business)
    since = scan_horizon(
        [settings for settings, _ in wanted], longest_interval_days=longest_interval, now=now
    )
    planned = _planned_nudges(session, business)
    planned_customers = {customer_id for _, customer_id, _ in planned}
    kept: dict[int, list[Booking]] = {}  # of the customers with a planned nudge
    due: list[DueNudge] = []
    for customer_id, bookings in _scanned_bookings(
        session, business, service_facts, since=since, now=now
    ):
        if customer_id in planned_customers:
            kept[customer_id] = bookings
        for settings, rule in wanted:
            timing = rebook_due(bookings, settings, now=now, zone=business.timezone)
            if timing.due_at is not None:
                due.append(DueNudge(rule, timing.visit.record_id, timing.due_at))
    _withdraw_no_longer_holding(session, business, planned, kept, now=now)
    return store_due_nudges(session, business, due, now=now) if due else 0


def _scanned_bookings(
    session: Session,
    business: Business,
    service_facts: dict[int, ServiceFacts],
    *,
    since: datetime,
    now: datetime,
) -> Iterator[tuple[int, list[Booking]]]:
    """The appointments a scan as of `now` reads, customer by customer: those of the customers
    with a visit since `since` (`scan_horizon`: for anyone else no nudge is due
    any more) or with a planned nudge (which may have to be withdrawn). Counted
    ones only, but the visits of planned nudges whatever their status now, so
    a withdrawal can say what became of the visit."""
    appointments = (Record.business_id == business.id) & (Record.kind == RecordKind.APPOINTMENT)
    visited = select(Record.customer_id).where(
        appointments,
        Record.starts_at >= since,
        (Record.status == AppointmentStatus.COMPLETED)
        | ((Record.status == AppointmentStatus.CONFIRMED) & (Record.starts_at <= now)),
    )
    planned = _is_planned_nudge(business)
    customers = Record.customer_id.in_(visited) | Record.customer_id.in_(
        select(Notification.customer_id).where(planned)
    )
    counted = Record.status.in_(_COUNTED_STATUSES) | Record.id.in_(
        select(Notification.record_id).where(planned)
    )
    return _read_bookings(
        session, appointments & customers & counted & Record.starts_at.is_not(None), service_facts
    )


def _service_facts(
    session: Session, business: Business
) -> tuple[dict[int, ServiceFacts], int | None]:
    """Each service of the business as a visit's timing needs it, and the longest
    typical interval of them (for `scan_horizon`)."""
    services = session.execute(
        select(Service.id, Service.name, Service.category, Service.rebook_interval_days).where(
            Service.business_id == business.id
        )
    ).all()
    categories = typical_intervals((category, days) for _, _, category, days in services)
    facts = {
        service_id: (name, days, categories.get(category) if category else None)
        for service_id, name, category, days in services
    }
    return facts, max((days for *_, days in services if days), default=None)


def _read_bookings(
    session: Session, where, service_facts: dict[int, ServiceFacts]
) -> Iterator[tuple[int, list[Booking]]]:
    """The appointments matching `where`, customer by customer, as rebook timing reads
    them: plain rows of the few columns it needs, read in batches and handed on
    one customer at a time, not records (a predicted scan reads every
    appointment of the customers seen in a year). A service missing from
    `service_facts` counts as none."""
    with session.execute(
        select(Record.customer_id, Record.id, Record.starts_at, Record.status, Record.service_id)
        .where(where)
        .order_by(Record.customer_id)
        .execution_options(yield_per=_READ_BATCH)
    ) as rows:
        for customer_id, customer_rows in groupby(rows, key=itemgetter(0)):
            yield (
                customer_id,
                [
                    Booking(record_id, starts_at, status, *service_facts.get(service, _NO_SERVICE))
                    for _, record_id, starts_at, status, service in customer_rows
                ],
            )


def _planned_nudges(session: Session, business: Business) -> list[tuple[int, int, int]]:
    """(id, customer id, visit id) of the business's nudges not yet sending."""
    return [
        tuple(row)
        for row in session.execute(
            select(Notification.id, Notification.customer_id, Notification.record_id).where(
                _is_planned_nudge(business)
            )
        )
    ]


def _is_planned_nudge(business: Business):
    return (
        (Notification.business_id == business.id)
        & Notification.status.in_(WITHDRAWABLE)
        & Notification.idempotency_key.startswith(KEY_PREFIX)
    )


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
