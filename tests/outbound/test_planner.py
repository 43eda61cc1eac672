"""The planner: which notices an event causes, on which channel, when (pure)."""

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

from outbound.policy.planner import (
    EventKind,
    RecordEvent,
    RecordFacts,
    RuleFacts,
    plan_notices,
    plan_nudge,
)
from outbound.policy.vocabulary import Audience, Channel, ChannelChoice, Notice, Trigger
from tests.support.contacts import contact_facts

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
START = datetime(2026, 11, 27, 13, 0, tzinfo=UTC)

PHONE_ONLY = contact_facts()

RULES = [
    RuleFacts(1, "appointment", Trigger.CREATED, Audience.CUSTOMER, ChannelChoice.AUTO,
              Notice.CONFIRMATION, trigger_status="confirmed"),
    RuleFacts(2, "appointment", Trigger.STATUS_CHANGED_TO, Audience.CUSTOMER, ChannelChoice.AUTO,
              Notice.CANCELLATION, trigger_status="cancelled"),
    RuleFacts(3, "appointment", Trigger.TIME_CHANGED, Audience.CUSTOMER, ChannelChoice.AUTO,
              Notice.CHANGE),
    RuleFacts(4, "appointment", Trigger.REMINDER, Audience.CUSTOMER, ChannelChoice.AUTO,
              Notice.REMINDER, offset_minutes=24 * 60),
    RuleFacts(5, "appointment", Trigger.REQUEST_RECEIVED, Audience.CUSTOMER, ChannelChoice.AUTO,
              Notice.REQUEST_RECEIVED),
    RuleFacts(6, "appointment", Trigger.REQUEST_RECEIVED, Audience.BUSINESS, ChannelChoice.EMAIL,
              Notice.NEW_BOOKING_FOR_BUSINESS),
    RuleFacts(7, "order", Trigger.STATUS_CHANGED_TO, Audience.CUSTOMER, ChannelChoice.SMS,
              Notice.ORDER_STATUS, trigger_status="ready", delay_minutes=60),
]  # fmt: skip


def record(**changes) -> RecordFacts:
    values = dict(
        id=7,
        kind="appointment",
        status="confirmed",
        source="calendar",
        starts_at=START,
        version=1,
        location_id=None,
    )
    values.update(changes)
    return RecordFacts(**values)


def plan(event, contact=PHONE_ONLY, rules=RULES, now=NOW):
    return plan_notices(event, rules, contact, business_email="team@salon.example", now=now)


def test_creation_plans_confirmation_now_and_reminder_a_day_ahead():
    notices = plan(RecordEvent(EventKind.CREATED, record()))
    assert [(n.notice, n.channel, n.due_at, n.skip_reason) for n in notices] == [
        (Notice.CONFIRMATION, Channel.SMS, NOW, None),
        (Notice.REMINDER, Channel.SMS, START - timedelta(days=1), None),
    ]


def test_reminder_is_skipped_with_reason_when_booked_after_its_time():  # R0.7
    late_start = NOW + timedelta(hours=5)
    notices = plan(RecordEvent(EventKind.CREATED, record(starts_at=late_start)))
    reminder = next(n for n in notices if n.notice == Notice.REMINDER)
    assert reminder.skip_reason == (
        "appointment was booked after the reminder time (24 hours before the start)"
    )


def test_planning_the_same_event_twice_gives_the_same_keys():
    event = RecordEvent(EventKind.CREATED, record())
    assert [n.idempotency_key for n in plan(event)] == [n.idempotency_key for n in plan(event)]


def test_a_move_plans_a_change_notice_and_a_new_reminder():  # R1.6
    moved = record(starts_at=START + timedelta(days=1), version=2)
    first = {n.idempotency_key for n in plan(RecordEvent(EventKind.CREATED, record()))}
    notices = plan(RecordEvent(EventKind.TIME_CHANGED, moved, previous_starts_at=START))
    assert [n.notice for n in notices] == [Notice.CHANGE, Notice.REMINDER]
    assert not first & {n.idempotency_key for n in notices}


def test_staff_can_choose_not_to_notify_but_reminders_still_follow():  # R1.7
    moved = record(starts_at=START + timedelta(days=1), version=2)
    event = RecordEvent(EventKind.TIME_CHANGED, moved, notify_customer=False)
    assert [n.notice for n in plan(event)] == [Notice.REMINDER]


def test_cancellation_plans_the_cancellation_and_no_reminder():
    cancelled = record(status="cancelled", version=2)
    notices = plan(RecordEvent(EventKind.STATUS_CHANGED, cancelled, previous_status="confirmed"))
    assert [n.notice for n in notices] == [Notice.CANCELLATION]


def test_online_request_notifies_customer_and_business_but_does_not_confirm():  # R1.9
    request = record(status="pending", source="online")
    notices = plan(RecordEvent(EventKind.CREATED, request))
    assert [(n.notice, n.audience, n.channel) for n in notices] == [
        (Notice.REQUEST_RECEIVED, Audience.CUSTOMER, Channel.SMS),
        (Notice.NEW_BOOKING_FOR_BUSINESS, Audience.BUSINESS, Channel.EMAIL),
    ]


def test_business_notice_without_an_address_is_skipped_with_reason():
    request = record(status="pending", source="online")
    notices = plan_notices(
        RecordEvent(EventKind.CREATED, request), RULES, PHONE_ONLY, business_email=None, now=NOW
    )
    business = next(n for n in notices if n.audience == Audience.BUSINESS)
    assert business.skip_reason == "business has no notification email address"


def test_privacy_policy_not_accepted_holds_back_reminders():  # R1.12
    online = record(source="online", awaiting_privacy_consent=True)
    reminder = next(
        n for n in plan(RecordEvent(EventKind.CREATED, online)) if n.notice == Notice.REMINDER
    )
    assert reminder.skip_reason == (
        "customer booked online and has not accepted the privacy policy yet"
    )


def test_order_status_rule_with_delay_and_explicit_sms():  # R4.2, R4.5
    order = record(kind="order", status="ready", starts_at=None, version=3)
    notices = plan(RecordEvent(EventKind.STATUS_CHANGED, order, previous_status="in_repair"))
    assert [(n.notice, n.channel, n.due_at) for n in notices] == [
        (Notice.ORDER_STATUS, Channel.SMS, NOW + timedelta(hours=1))
    ]


def test_rules_for_other_locations_or_disabled_rules_do_not_apply():  # R4.8
    only_elsewhere = RuleFacts(9, "appointment", Trigger.CREATED, Audience.CUSTOMER,
                               ChannelChoice.AUTO, Notice.CONFIRMATION,
                               location_ids=frozenset({2}))  # fmt: skip
    disabled = RuleFacts(10, "appointment", Trigger.CREATED, Audience.CUSTOMER,
                         ChannelChoice.AUTO, Notice.CONFIRMATION, enabled=False)  # fmt: skip
    event = RecordEvent(EventKind.CREATED, record(location_id=1))
    assert plan(event, rules=[only_elsewhere, disabled]) == []
    at_two = RecordEvent(EventKind.CREATED, record(location_id=2))
    assert [n.rule_id for n in plan(at_two, rules=[only_elsewhere])] == [9]


REBOOK = RuleFacts(11, "appointment", Trigger.REBOOK, Audience.CUSTOMER, ChannelChoice.SMS,
                   Notice.REBOOK, template_name="rebook")  # fmt: skip
NUDGE_DUE = datetime(2026, 11, 29, 8, 30, tzinfo=UTC)  # a Saturday, 09:30 in Berlin


def nudge(rule=REBOOK, visit=None, contact=PHONE_ONLY, **more):
    visit = visit or record(status="completed", location_id=1)
    return plan_nudge(rule, visit, contact, customer_id=5, due_at=NUDGE_DUE, **more)


def test_a_nudge_is_planned_on_the_rule_s_channel_for_the_visit():  # R2.1
    [planned] = nudge()
    assert (planned.notice, planned.channel, planned.due_at, planned.skip_reason) == (
        Notice.REBOOK,
        Channel.SMS,
        NUDGE_DUE,
        None,
    )
    assert planned.idempotency_key == "rebook:rule:11:customer:5:visit:7:1"


def test_a_nudge_on_two_channels_is_keyed_by_position():
    both = replace(REBOOK, channel=ChannelChoice.SMS_AND_EMAIL)
    keys = [(n.channel, n.idempotency_key) for n in nudge(both)]
    assert keys == [
        (Channel.EMAIL, "rebook:rule:11:customer:5:visit:7:1"),
        (Channel.SMS, "rebook:rule:11:customer:5:visit:7:2"),
    ]


def test_a_nudge_follows_the_rule_s_locations_and_switch():  # R4.8
    elsewhere = replace(REBOOK, location_ids=frozenset({2}))
    assert nudge(elsewhere) == []
    assert nudge(replace(REBOOK, enabled=False)) == []
    assert [n.rule_id for n in nudge(elsewhere, record(status="completed", location_id=2))] == [11]


def test_a_nudge_the_customer_cannot_get_is_planned_skipped_with_the_reason():
    no_consent = replace(PHONE_ONLY, sms_consent=False)
    [planned] = nudge(contact=no_consent)
    assert planned.skip_reason == "customer has no SMS consent"


def test_a_working_hours_rule_holds_the_nudge_until_the_location_opens():  # R4.6
    held = replace(REBOOK, working_hours_only=True)
    monday_nine = {0: ((time(9), time(18)),)}
    [planned] = nudge(held, opening=monday_nine, zone="Europe/Berlin")
    assert planned.due_at == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Monday 09:00 Berlin
    [closed] = nudge(held, opening={}, zone="Europe/Berlin")
    assert closed.skip_reason == "the location has no working hours to send in"
