"""bot.services.rules, rule_checks and rule_bulk: what a rule may say (R4.2, R4.9, R3.4,
R4.8), deleting and bulk changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.errors import DomainError, NotFound
from bot.models import Notification, NotificationRule, rule_location
from bot.services.catalogue import create_location
from bot.services.commands import LocationChanges, NewStatus, RuleChanges
from bot.services.rule_bulk import BulkAction, bulk_change
from bot.services.rule_checks import TRIGGERS_BY_KIND
from bot.services.rules import create_rule, delete_rule, update_rule
from bot.services.statuses import create_status
from outbound.policy.vocabulary import NotificationStatus, Trigger
from tests.support.databases import BOTH_DATABASES


def _rule(db, business, name):
    return db.session.scalar(
        select(NotificationRule).where(
            NotificationRule.business_id == business.id, NotificationRule.name == name
        )
    )


def _valid_settings(trigger: Trigger) -> dict:
    """The extra settings each trigger needs to be a complete rule."""
    return {
        Trigger.STATUS_CHANGED_TO: {"trigger_status": "cancelled"},
        Trigger.REMINDER: {"offset_minutes": 60},
        Trigger.REBOOK: {"rebook_mode": "after_visit", "rebook_days": 2},
    }.get(trigger, {})


@pytest.mark.parametrize("kind", ["appointment", "order", "inquiry"])
@pytest.mark.parametrize("trigger", list(Trigger))
def test_each_kind_takes_exactly_its_triggers_R4_2(db, business, kind, trigger):
    """R4.2: inquiries only on creation and "status changed to"; reminders only for kinds
    with a scheduled time (not inquiries); rebook nudges and requests only for appointments."""
    data = {"kind": kind, "trigger": trigger.value, "notice": "order_status"}
    data.update(_valid_settings(trigger))
    if kind != "appointment" and trigger == Trigger.STATUS_CHANGED_TO:
        data["trigger_status"] = "done"

    if trigger in TRIGGERS_BY_KIND[kind]:
        rule = create_rule(db.session, business, RuleChanges.from_fields(data))
        assert (rule.kind, rule.trigger) == (kind, trigger)
    else:
        with pytest.raises(DomainError) as refused:
            create_rule(db.session, business, RuleChanges.from_fields(data))
        assert refused.value.field == "trigger"
        assert kind in refused.value.message


def test_the_trigger_table_follows_the_seed_R4_2():
    assert TRIGGERS_BY_KIND["inquiry"] == (Trigger.CREATED, Trigger.STATUS_CHANGED_TO)
    assert Trigger.REMINDER in TRIGGERS_BY_KIND["order"]
    assert Trigger.REBOOK not in TRIGGERS_BY_KIND["order"]
    assert set(TRIGGERS_BY_KIND["appointment"]) == set(Trigger)


def test_status_changed_to_checks_the_business_s_own_statuses(db, business):
    create_status(db.session, business, NewStatus(kind="order", code="ready", label="Fertig"))
    data = {"kind": "order", "trigger": "status_changed_to", "notice": "order_status"}

    rule = create_rule(
        db.session, business, RuleChanges.from_fields({**data, "trigger_status": "ready"})
    )
    with pytest.raises(DomainError) as refused:
        create_rule(
            db.session, business, RuleChanges.from_fields({**data, "trigger_status": "repaired"})
        )

    assert rule.trigger_status == "ready"
    assert refused.value.field == "trigger_status"
    assert "ready" in refused.value.message


def test_a_reminder_needs_its_lead_time_R4_9(db, business):
    with pytest.raises(DomainError) as refused:
        create_rule(
            db.session, business, RuleChanges(kind="order", trigger="reminder", notice="reminder")
        )

    assert (refused.value.field, refused.value.code) == ("offset_minutes", "required")


def test_a_rule_for_the_business_defaults_to_email_and_refuses_sms_R3_4(db, business):
    data = {"kind": "appointment", "trigger": "created", "notice": "new_booking_for_business"}

    rule = create_rule(
        db.session, business, RuleChanges.from_fields({**data, "audience": "business"})
    )
    with pytest.raises(DomainError) as refused:
        create_rule(
            db.session,
            business,
            RuleChanges.from_fields({**data, "audience": "business", "channel": "sms"}),
        )

    assert rule.channel == "email"
    assert refused.value.field == "channel"


def test_chosen_locations_must_be_the_business_s_own_R4_8(db, business, business_factory):
    other, _key = business_factory(name="Fahrradwerkstatt Kette", sms_from="+4930555020")
    mine = create_location(db.session, business, LocationChanges(name="Mitte"))
    theirs = create_location(db.session, other, LocationChanges(name="Kreuzberg"))
    data = {"kind": "appointment", "trigger": "created", "notice": "confirmation"}

    rule = create_rule(
        db.session,
        business,
        RuleChanges.from_fields({**data, "all_locations": False, "location_ids": [mine.id]}),
    )
    with pytest.raises(NotFound) as refused:
        create_rule(
            db.session,
            business,
            RuleChanges.from_fields({**data, "all_locations": False, "location_ids": [theirs.id]}),
        )
    with pytest.raises(DomainError) as empty:
        create_rule(db.session, business, RuleChanges.from_fields({**data, "all_locations": False}))

    assert [location.id for location in rule.locations] == [mine.id]
    assert refused.value.field == "location_ids"
    assert (empty.value.field, empty.value.code) == ("location_ids", "required")


def test_choosing_all_locations_again_forgets_the_chosen_ones(db, business):
    mine = create_location(db.session, business, LocationChanges(name="Mitte"))
    rule = create_rule(
        db.session,
        business,
        RuleChanges(
            kind="appointment",
            trigger="created",
            notice="confirmation",
            all_locations=False,
            location_ids=[mine.id],
        ),
    )

    update_rule(db.session, business, rule, RuleChanges(all_locations=True))

    assert rule.all_locations is True
    assert rule.locations == []


def test_a_rule_for_chosen_locations_can_be_deleted(db, business):
    mine = create_location(db.session, business, LocationChanges(name="Mitte"))
    rule = create_rule(
        db.session,
        business,
        RuleChanges(
            kind="appointment",
            trigger="created",
            notice="confirmation",
            all_locations=False,
            location_ids=[mine.id],
        ),
    )
    db.session.commit()

    delete_rule(db.session, business, rule)
    db.session.commit()

    assert db.session.scalar(select(func.count()).select_from(rule_location)) == 0
    assert db.session.get(NotificationRule, rule.id) is None


def test_a_refused_change_leaves_the_rule_as_it_was(db, business):
    rule = _rule(db, business, "Reminder")

    with pytest.raises(DomainError):
        update_rule(db.session, business, rule, RuleChanges(offset_minutes=None))
    db.session.rollback()

    assert db.session.get(NotificationRule, rule.id).offset_minutes == 24 * 60


def test_deleting_a_rule_withdraws_its_planned_notices_and_unlinks_them(
    db, business, customer_factory, record_factory
):
    record = record_factory(customer_factory())
    reminder_rule = _rule(db, business, "Reminder")
    reminder = db.session.scalar(
        select(Notification).where(
            Notification.record_id == record.id, Notification.rule_id == reminder_rule.id
        )
    )
    assert reminder.status == NotificationStatus.SCHEDULED

    withdrawn = delete_rule(db.session, business, reminder_rule)
    db.session.commit()

    db.session.refresh(reminder)
    assert withdrawn == 1
    assert (reminder.status, reminder.reason, reminder.rule_id) == (
        "cancelled",
        "rule deleted",
        None,
    )
    assert _rule(db, business, "Reminder") is None


def test_changing_a_rule_leaves_planned_notices_as_planned(
    db, business, customer_factory, record_factory
):
    record = record_factory(customer_factory())
    rule = _rule(db, business, "Reminder")

    update_rule(db.session, business, rule, RuleChanges(channel="email", offset_minutes=120))
    db.session.commit()

    reminder = db.session.scalar(
        select(Notification).where(
            Notification.record_id == record.id, Notification.rule_id == rule.id
        )
    )
    assert reminder.channel == "sms"
    assert reminder.due_at == record.starts_at - timedelta(days=1)
    assert reminder.status == NotificationStatus.SCHEDULED


def test_bulk_changes_nothing_when_one_id_is_not_the_business_s_R4_10(
    db, business, business_factory
):
    other, _key = business_factory(name="Fahrradwerkstatt Kette", sms_from="+4930555020")
    mine = _rule(db, business, "Reminder")
    theirs = _rule(db, other, "Reminder")

    with pytest.raises(NotFound) as refused:
        bulk_change(db.session, business, [mine.id, theirs.id], "delete")
    db.session.rollback()

    assert refused.value.message == f"rule {theirs.id} does not exist"
    assert refused.value.field == "ids"
    assert db.session.get(NotificationRule, mine.id) is not None
    assert db.session.get(NotificationRule, theirs.id) is not None


@BOTH_DATABASES
@pytest.mark.parametrize("wrong", [2**31, 2**63])
def test_bulk_with_an_id_no_column_holds_is_not_found(db, business, wrong):
    mine = _rule(db, business, "Reminder")

    with pytest.raises(NotFound) as refused:
        bulk_change(db.session, business, [mine.id, wrong], "delete")
    db.session.rollback()

    assert (refused.value.field, refused.value.message) == ("ids", f"rule {wrong} does not exist")
    assert db.session.get(NotificationRule, mine.id) is not None


def test_bulk_set_channel_is_refused_before_any_rule_changes(db, business):
    customer_rule = _rule(db, business, "Reminder")
    business_rule = _rule(db, business, "New request (to the business)")

    with pytest.raises(DomainError) as refused:
        bulk_change(
            db.session,
            business,
            [customer_rule.id, business_rule.id],
            BulkAction.SET_CHANNEL,
            channel="sms",
        )

    assert refused.value.field == "channel"
    assert f"rule {business_rule.id}" in refused.value.message
    assert customer_rule.channel == "auto"


def test_bulk_set_template_points_every_rule_at_one_name_R4_10(db, business):
    ids = [_rule(db, business, name).id for name in ("Reminder", "Cancellation")]

    outcome = bulk_change(db.session, business, ids, "set_template", template_name="change")

    assert [rule.template_name for rule in outcome.rules] == ["change", "change"]
    assert outcome.deleted == []
