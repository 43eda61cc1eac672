"""Turn a domain event on a record into the notices it should cause: `PlannedNotice`s with their
idempotency keys, the skipped ones with their reason, from the event, the business's rules and
the recipient's facts."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from outbound.policy.channels import ChannelDecision, ContactFacts, choose_channels
from outbound.policy.hours import OpeningHours, next_opening
from outbound.policy.rebook_timing import rebook_key
from outbound.policy.vocabulary import (
    CLOSED_APPOINTMENT_STATUSES,
    AppointmentStatus,
    Audience,
    Channel,
    ChannelChoice,
    Notice,
    RecordKind,
    Trigger,
)

# R1.12: why a new customer's reminder of an online booking is held back.
PRIVACY_HOLD = "customer booked online and has not accepted the privacy policy yet"
# Appointment statuses after which nothing more is announced ahead of the visit.


class EventKind(enum.StrEnum):
    CREATED = "created"
    STATUS_CHANGED = "status_changed"
    TIME_CHANGED = "time_changed"


@dataclass(frozen=True)
class RecordFacts:
    id: int
    kind: str  # appointment, order, inquiry
    status: str
    source: str
    starts_at: datetime | None
    version: int
    location_id: int | None
    # R1.12: booked online by a customer who has not accepted the privacy policy.
    awaiting_privacy_consent: bool = False


@dataclass(frozen=True)
class RecordEvent:
    kind: EventKind
    record: RecordFacts
    previous_status: str | None = None
    previous_starts_at: datetime | None = None
    notify_customer: bool = True  # staff may choose not to notify (R1.7, R1.8)


@dataclass(frozen=True)
class RuleFacts:
    id: int
    kind: str
    trigger: Trigger
    audience: Audience
    channel: ChannelChoice
    notice: Notice
    trigger_status: str | None = None
    template_name: str | None = None
    delay_minutes: int = 0
    offset_minutes: int | None = None
    location_ids: frozenset[int] | None = None  # None: every location (R4.8)
    enabled: bool = True
    working_hours_only: bool = False  # R4.6: hold until the location is open


@dataclass(frozen=True)
class PlannedNotice:
    rule_id: int
    audience: Audience
    notice: Notice
    template_name: str | None
    channel: Channel
    due_at: datetime
    idempotency_key: str
    skip_reason: str | None = None
    is_reminder: bool = False


def plan_notices(
    event: RecordEvent,
    rules: Iterable[RuleFacts],
    customer: ContactFacts,
    *,
    business_email: str | None,
    now: datetime,
    opening: OpeningHours | None = None,
    zone: str = "UTC",
) -> list[PlannedNotice]:
    """Every notice `event` causes under `rules`, with channel and due time.

    `now` is the instant of the change (timezone-aware). Reminders are planned
    for the record's current start whenever an event leaves the record open
    with a scheduled time; their key contains that start, so a move plans a
    new reminder (R1.6) and an unchanged start plans none twice. `opening` (the
    record's location's hours, in `zone`) holds the notices of rules that send
    only during working hours until the next opening (R4.6).
    """
    planned: list[PlannedNotice] = []
    for rule in rules:
        if not _applies(rule, event.record):
            continue
        if rule.trigger == Trigger.REMINDER:
            notices = _plan_reminder(rule, event.record, customer, business_email, now)
        elif _triggered(rule, event):
            if rule.audience == Audience.CUSTOMER and not event.notify_customer:
                continue
            due_at = now + timedelta(minutes=rule.delay_minutes)
            key = f"record:{event.record.id}:v{event.record.version}:rule:{rule.id}"
            notices = [
                _notice(rule, decision, due_at, f"{key}:{decision.channel}")
                for decision in _decisions(rule, customer, business_email)
            ]
        else:
            continue
        if rule.working_hours_only:
            notices = [_within_hours(n, opening or {}, zone, event.record) for n in notices]
        planned.extend(notices)
    return planned


def plan_nudge(
    rule: RuleFacts,
    visit: RecordFacts,
    customer: ContactFacts,
    *,
    customer_id: int,
    due_at: datetime,
    opening: OpeningHours | None = None,
    zone: str = "UTC",
) -> list[PlannedNotice]:
    """The rebook nudge `rule` plans for the customer's last `visit`, due at `due_at`
    (`outbound.policy.rebook_timing` says when, and whether at all).

    Empty when the rule does not apply to the visit (switched off, another
    kind, a location it does not cover: R4.8); otherwise one notice per channel
    the rule sends on, keyed by `rebook_key`, skipped with the reason when the
    customer cannot get it, and held like any notice of a working-hours rule
    until the visit's location opens (R4.6).
    """
    if not _applies(rule, visit):
        return []
    decisions = choose_channels(rule.channel, customer, rule.notice)
    notices = [
        _notice(rule, decision, due_at, rebook_key(rule.id, customer_id, visit.id, position))
        for position, decision in enumerate(decisions, start=1)
    ]
    if rule.working_hours_only:
        notices = [_within_hours(n, opening or {}, zone, visit) for n in notices]
    return notices


def _within_hours(
    notice: PlannedNotice, opening: OpeningHours, zone: str, record: RecordFacts
) -> PlannedNotice:
    if notice.skip_reason:
        return notice
    due_at = next_opening(notice.due_at, opening, zone)
    if due_at is None:
        return replace(notice, skip_reason="the location has no working hours to send in")
    if notice.is_reminder and record.starts_at is not None and due_at >= record.starts_at:
        return replace(notice, skip_reason="the location is not open again before the appointment")
    return replace(notice, due_at=due_at)


def reminder_key_prefix(record_id: int) -> str:
    """How the idempotency keys of a record's reminders begin: a reminder is known
    by its key (planned by a reminder rule), whatever text its rule sends."""
    return f"record:{record_id}:reminder:"


def reminder_marker(starts_at: datetime) -> str:
    """The part of a reminder's idempotency key that names the start it reminds of."""
    return f":at:{starts_at.astimezone(UTC):%Y%m%dT%H%MZ}:"


def _applies(rule: RuleFacts, record: RecordFacts) -> bool:
    if not rule.enabled or rule.kind != record.kind:
        return False
    return rule.location_ids is None or record.location_id in rule.location_ids


def _triggered(rule: RuleFacts, event: RecordEvent) -> bool:
    record = event.record
    match rule.trigger:
        case Trigger.CREATED:
            return event.kind == EventKind.CREATED and rule.trigger_status in (None, record.status)
        case Trigger.REQUEST_RECEIVED:
            return event.kind == EventKind.CREATED and record.status == "pending"
        case Trigger.STATUS_CHANGED:
            return event.kind == EventKind.STATUS_CHANGED
        case Trigger.STATUS_CHANGED_TO:
            return event.kind == EventKind.STATUS_CHANGED and record.status == rule.trigger_status
        case Trigger.TIME_CHANGED:
            return event.kind == EventKind.TIME_CHANGED and record.starts_at is not None
    return False


def _plan_reminder(
    rule: RuleFacts,
    record: RecordFacts,
    customer: ContactFacts,
    business_email: str | None,
    now: datetime,
) -> list[PlannedNotice]:
    if record.starts_at is None or record.status in CLOSED_APPOINTMENT_STATUSES:
        return []  # R4.9: reminders only with a scheduled time, and only for open records
    if record.kind == RecordKind.APPOINTMENT and record.status != AppointmentStatus.CONFIRMED:
        return []  # a request is reminded once it is accepted
    lead = timedelta(minutes=rule.offset_minutes or 0)
    due_at = record.starts_at - lead
    key = f"{reminder_key_prefix(record.id)}rule:{rule.id}{reminder_marker(record.starts_at)}"
    late = None
    if due_at < now:
        late = (
            f"appointment was booked after the reminder time "
            f"({_describe_lead(lead)} before the start)"
        )  # R0.7
    elif record.awaiting_privacy_consent and rule.audience == Audience.CUSTOMER:
        late = PRIVACY_HOLD  # R1.12
    notices = []
    for decision in _decisions(rule, customer, business_email):
        if late and decision.skip_reason is None:
            decision = ChannelDecision(decision.channel, late)
        notices.append(
            _notice(rule, decision, due_at, f"{key}{decision.channel}", is_reminder=True)
        )
    return notices


def _decisions(
    rule: RuleFacts, customer: ContactFacts, business_email: str | None
) -> list[ChannelDecision]:
    if rule.audience == Audience.BUSINESS:
        reason = None if business_email else "business has no notification email address"
        return [ChannelDecision(Channel.EMAIL, reason)]
    return choose_channels(rule.channel, customer, rule.notice)


def _notice(
    rule: RuleFacts,
    decision: ChannelDecision,
    due_at: datetime,
    key: str,
    *,
    is_reminder: bool = False,
) -> PlannedNotice:
    return PlannedNotice(
        rule_id=rule.id,
        audience=rule.audience,
        notice=rule.notice,
        template_name=rule.template_name,
        channel=decision.channel,
        due_at=due_at,
        idempotency_key=key,
        skip_reason=decision.skip_reason,
        is_reminder=is_reminder,
    )


def _describe_lead(lead: timedelta) -> str:
    minutes = int(lead.total_seconds() // 60)
    if minutes > 1440 and minutes % 1440 == 0:
        return f"{minutes // 1440} days"
    if minutes % 60 == 0:
        return f"{minutes // 60} hours"
    return f"{minutes} minutes"
