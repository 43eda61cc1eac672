"""/rules: notification rules through the API (R4.2–R4.10, R3.2, R3.4), down to what is sent."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.models import Notification
from outbound.jobs import run_dispatch_pass
from tests.support.api import assert_error

REMINDER_2H = {"kind": "appointment", "trigger": "reminder", "notice": "reminder"}


def _rules(api, **query):
    response = api.get("/rules", query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def _rule_named(api, name):
    return next(rule for rule in _rules(api) if rule["name"] == name)


def _notices(api, record_id):
    return api.get("/notifications", query_string={"record_id": record_id}).get_json()["items"]


def _appointment(api, customer_id, now, **extra):
    response = api.post(
        "/records",
        json={
            "customer_id": customer_id,
            "starts_at": (now + timedelta(days=2)).isoformat(),
            **extra,
        },
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_new_business_lists_the_default_rules_and_filters_them(api):
    everything = _rules(api)
    reminders = _rules(api, trigger="reminder")

    assert {rule["name"] for rule in everything} >= {
        "Booking confirmation",
        "Cancellation",
        "Time changed",
        "Reminder",
        "New request (to the business)",
    }
    assert [(rule["name"], rule["offset_minutes"]) for rule in reminders] == [("Reminder", 1440)]
    assert _rules(api, kind="order") == []
    assert _rules(api, enabled="false") == []
    assert len(_rules(api, enabled="true")) == len(everything)


def test_a_reminder_rule_is_created_read_and_changed_R4_9(api):
    response = api.post("/rules", json={**REMINDER_2H, "offset_minutes": 120, "name": "2 h vorher"})

    assert response.status_code == 201, response.get_json()
    rule = response.get_json()
    assert rule["offset_minutes"] == 120
    assert (rule["channel"], rule["audience"], rule["enabled"]) == ("auto", "customer", True)
    assert (rule["all_locations"], rule["location_ids"]) == (True, [])
    assert api.get(f"/rules/{rule['id']}").get_json() == rule

    changed = api.patch(f"/rules/{rule['id']}", json={"offset_minutes": 30, "enabled": False})

    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["offset_minutes"], changed.get_json()["enabled"]) == (30, False)


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        # R4.2: inquiries have no reminders, orders no rebook nudges.
        ({"kind": "inquiry", "trigger": "reminder", "offset_minutes": 60}, "trigger", "inquiry"),
        (
            {"kind": "order", "trigger": "rebook", "rebook_mode": "after_visit", "rebook_days": 2},
            "trigger",
            "order",
        ),
        ({"kind": "inquiry", "trigger": "time_changed"}, "trigger", "created, status_changed_to"),
        ({"kind": "appointment", "trigger": "status_changed_to"}, "trigger_status", "needs"),
        (
            {"kind": "appointment", "trigger": "status_changed_to", "trigger_status": "done"},
            "trigger_status",
            "pending, confirmed",
        ),
        ({"kind": "appointment", "trigger": "reminder"}, "offset_minutes", "before the start"),
        ({"kind": "appointment", "trigger": "created", "offset_minutes": 60}, "offset_minutes", ""),
        ({"kind": "appointment", "trigger": "created", "delay_minutes": -1}, "delay_minutes", ""),
        (
            {"kind": "appointment", "trigger": "created", "audience": "business", "channel": "sms"},
            "channel",
            "email",
        ),
        (
            {"kind": "appointment", "trigger": "created", "template_name": "nirgends"},
            "template_name",
            "'nirgends'",
        ),
        (
            {"kind": "appointment", "trigger": "created", "all_locations": False},
            "location_ids",
            "at least one",
        ),
        ({"kind": "appointment", "trigger": "rebook", "rebook_days": 2}, "rebook_mode", ""),
        ({"kind": "appointment", "trigger": "created", "rebook_days": 2}, "rebook_days", "rebook"),
        ({"kind": "appointment", "trigger": "sometimes"}, "trigger", ""),
        ({"kind": "appointment", "trigger": "created", "enabled": "yes"}, "enabled", ""),
    ],
)
def test_a_rule_that_cannot_work_is_422_naming_the_field(api, body, field, words):
    before = len(_rules(api))

    response = api.post("/rules", json={"notice": "confirmation", **body})

    error = assert_error(response, 422, field=field)
    assert words in error["message"]
    assert len(_rules(api)) == before


def test_kind_trigger_and_notice_are_required(api):
    error = assert_error(api.post("/rules", json={"kind": "order"}), 422, code="required")

    assert error["field"] in ("trigger", "notice")


def test_an_order_rule_waits_for_the_business_s_own_status_R4_2(api):
    api.post("/statuses", json={"kind": "order", "code": "ready", "label": "Abholbereit"})
    body = {"kind": "order", "trigger": "status_changed_to", "notice": "order_status"}

    created = api.post("/rules", json={**body, "trigger_status": "ready"})
    refused = api.post("/rules", json={**body, "trigger_status": "repaired"})

    assert created.status_code == 201, created.get_json()
    assert created.get_json()["trigger_status"] == "ready"
    error = assert_error(refused, 422, field="trigger_status")
    assert "ready" in error["message"]


def test_a_refused_patch_changes_nothing(api):
    rule = _rule_named(api, "Reminder")

    response = api.patch(f"/rules/{rule['id']}", json={"channel": "sms", "offset_minutes": None})

    assert_error(response, 422, field="offset_minutes")
    assert api.get(f"/rules/{rule['id']}").get_json() == rule


def test_rules_of_another_business_are_404(api, other_api):
    theirs = _rule_named(other_api, "Reminder")

    assert_error(api.get(f"/rules/{theirs['id']}"), 404, field="rule_id")
    assert_error(api.patch(f"/rules/{theirs['id']}", json={"enabled": False}), 404)
    assert_error(api.delete(f"/rules/{theirs['id']}"), 404)
    assert other_api.get(f"/rules/{theirs['id']}").get_json()["enabled"] is True


def test_a_location_of_another_business_is_404(api, other_api):
    theirs = other_api.post("/locations", json={"name": "Kreuzberg"}).get_json()

    response = api.post(
        "/rules",
        json={
            **REMINDER_2H,
            "offset_minutes": 60,
            "all_locations": False,
            "location_ids": [theirs["id"]],
        },
    )

    assert_error(response, 404, field="location_ids")


def test_email_and_sms_are_chosen_per_message_type_R3_2(api, customer_factory, now):
    """R3.2: the confirmation goes by SMS and email, the reminder by SMS only."""
    customer = customer_factory(email="ursula@example.com", email_consent=True)
    api.patch(
        f"/rules/{_rule_named(api, 'Booking confirmation')['id']}",
        json={"channel": "sms_and_email"},
    )
    api.patch(f"/rules/{_rule_named(api, 'Reminder')['id']}", json={"channel": "sms"})

    record = _appointment(api, customer.id, now)

    channels = {
        (notice["notice"], notice["channel"])
        for notice in _notices(api, record["id"])
        if notice["status"] == "scheduled"
    }
    assert channels == {("confirmation", "sms"), ("confirmation", "email"), ("reminder", "sms")}


def test_a_rule_for_chosen_locations_ignores_the_others_R4_8(api, customer_factory, now):
    mitte = api.post("/locations", json={"name": "Mitte"}).get_json()
    kreuzberg = api.post("/locations", json={"name": "Kreuzberg"}).get_json()
    reminder = _rule_named(api, "Reminder")
    response = api.patch(
        f"/rules/{reminder['id']}", json={"all_locations": False, "location_ids": [mitte["id"]]}
    )
    assert response.get_json()["location_ids"] == [mitte["id"]]
    customer = customer_factory()

    in_mitte = _appointment(api, customer.id, now, location_id=mitte["id"])
    in_kreuzberg = _appointment(
        api, customer.id, now + timedelta(hours=3), location_id=kreuzberg["id"]
    )

    assert "reminder" in {notice["notice"] for notice in _notices(api, in_mitte["id"])}
    assert "reminder" not in {notice["notice"] for notice in _notices(api, in_kreuzberg["id"])}


def test_a_business_template_chosen_by_a_rule_is_what_the_customer_gets_R4_7(
    api, customer_factory, fake_twilio, now
):
    """R4.7: templates are business-wide and chosen per rule; the order's status text is
    the business's own, rendered with the order's facts and sent through Twilio."""
    for code, label in (("received", "Angenommen"), ("ready", "Abholbereit")):
        api.post("/statuses", json={"kind": "order", "code": code, "label": label})
    template = api.post(
        "/templates",
        json={
            "name": "abholbereit",
            "channel": "sms",
            "locale": "de",
            "body": "Hallo {{ customer.first_name }}, Ihr Gerät ist abholbereit. "
            "{{ business.name }}",
        },
    )
    assert template.status_code == 201, template.get_json()
    rule = api.post(
        "/rules",
        json={
            "kind": "order",
            "trigger": "status_changed_to",
            "trigger_status": "ready",
            "notice": "order_status",
            "template_name": "abholbereit",
        },
    )
    assert rule.status_code == 201, rule.get_json()
    customer = customer_factory(name="Karl Berger")
    order = api.post(
        "/records", json={"kind": "order", "customer_id": customer.id, "status": "received"}
    ).get_json()
    api.patch(f"/records/{order['id']}", json={"status": "ready"})

    run_dispatch_pass(now + timedelta(minutes=1), send_inline=True)

    assert [message.body for message in fake_twilio.messages] == [
        "Hallo Karl, Ihr Gerät ist abholbereit. Salon Sonnenschein"
    ]


def test_deleting_a_rule_cancels_what_it_planned_and_keeps_what_it_sent_R4_10(
    api, db, customer_factory, fake_twilio, now
):
    customer = customer_factory()
    record = _appointment(api, customer.id, now)
    run_dispatch_pass(now + timedelta(seconds=5), send_inline=True)  # the confirmation goes
    assert len(fake_twilio.messages) == 1
    by_notice = {notice["notice"]: notice for notice in _notices(api, record["id"])}
    assert by_notice["reminder"]["status"] == "scheduled"
    assert by_notice["confirmation"]["status"] == "sent"

    for name in ("Reminder", "Booking confirmation"):
        response = api.delete(f"/rules/{_rule_named(api, name)['id']}")
        assert response.status_code == 204
        assert response.get_data() == b""

    after = {notice["notice"]: notice for notice in _notices(api, record["id"])}
    assert (after["reminder"]["status"], after["reminder"]["reason"]) == (
        "cancelled",
        "rule deleted",
    )
    assert after["confirmation"]["status"] == "sent"
    rows = [db.session.get(Notification, notice["id"]) for notice in after.values()]
    assert [row.rule_id for row in rows] == [None, None]
    assert {"Reminder", "Booking confirmation"}.isdisjoint(rule["name"] for rule in _rules(api))
    run_dispatch_pass(record_start(record) - timedelta(hours=1), send_inline=True)
    assert len(fake_twilio.messages) == 1  # no reminder after all


def record_start(record):
    return datetime.fromisoformat(record["starts_at"])


def test_changing_a_rule_leaves_its_planned_notices_alone(api, customer_factory, now):
    record = _appointment(api, customer_factory().id, now)
    reminder = _rule_named(api, "Reminder")

    api.patch(f"/rules/{reminder['id']}", json={"offset_minutes": 60, "channel": "email"})

    planned = next(n for n in _notices(api, record["id"]) if n["notice"] == "reminder")
    assert planned["channel"] == "sms"
    assert planned["due_at"] == (record_start(record) - timedelta(days=1)).isoformat()


# --- bulk (R4.10) ------------------------------------------------------------


def test_bulk_delete_removes_every_rule_named(api):
    ids = [_rule_named(api, name)["id"] for name in ("Reminder", "Time changed")]

    response = api.post("/rules/bulk", json={"ids": ids, "action": "delete"})

    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "action": "delete",
        "items": [],
        "deleted": ids,
        "cancelled_notifications": 0,
    }
    assert not {rule["id"] for rule in _rules(api)} & set(ids)


def test_bulk_set_template_and_set_channel(api):
    ids = [_rule_named(api, name)["id"] for name in ("Reminder", "Cancellation")]

    templated = api.post(
        "/rules/bulk", json={"ids": ids, "action": "set_template", "template_name": "change"}
    )
    emailed = api.post(
        "/rules/bulk", json={"ids": ids, "action": "set_channel", "channel": "email"}
    )
    back = api.post(
        "/rules/bulk", json={"ids": ids, "action": "set_template", "template_name": None}
    )

    assert [rule["template_name"] for rule in templated.get_json()["items"]] == ["change", "change"]
    assert [rule["channel"] for rule in emailed.get_json()["items"]] == ["email", "email"]
    assert [rule["template_name"] for rule in back.get_json()["items"]] == [None, None]
    assert {api.get(f"/rules/{i}").get_json()["channel"] for i in ids} == {"email"}


def test_bulk_with_a_foreign_id_is_404_naming_it_and_changes_nothing(api, other_api):
    mine = [_rule_named(api, name)["id"] for name in ("Reminder", "Cancellation")]
    theirs = _rule_named(other_api, "Reminder")["id"]

    response = api.post(
        "/rules/bulk", json={"ids": [mine[0], theirs, 2_000_000, mine[1]], "action": "delete"}
    )

    error = assert_error(response, 404, field="ids")
    assert error["message"] == f"rule {theirs} does not exist"
    assert {rule["id"] for rule in _rules(api)} >= set(mine)
    assert other_api.get(f"/rules/{theirs}").status_code == 200


def test_bulk_set_channel_refuses_sms_for_the_business_s_own_notices_R3_4(api):
    customer_rule = _rule_named(api, "Reminder")
    business_rule = _rule_named(api, "New request (to the business)")

    response = api.post(
        "/rules/bulk",
        json={
            "ids": [customer_rule["id"], business_rule["id"]],
            "action": "set_channel",
            "channel": "sms",
        },
    )

    error = assert_error(response, 422, field="channel")
    assert str(business_rule["id"]) in error["message"]
    assert api.get(f"/rules/{customer_rule['id']}").get_json()["channel"] == "auto"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"ids": [], "action": "delete"}, "ids"),
        ({"ids": [1], "action": "rename"}, "action"),
        ({"ids": [1], "action": "set_template"}, "template_name"),
        ({"ids": [1], "action": "set_channel"}, "channel"),
        ({"ids": [1], "action": "set_channel", "channel": "pigeon"}, "channel"),
        ({"ids": [1], "action": "delete", "channel": "sms"}, "channel"),
        ({"ids": ["1"], "action": "delete"}, "ids.0"),
    ],
)
def test_bulk_input_is_checked(api, body, field):
    before = _rules(api)

    assert_error(api.post("/rules/bulk", json=body), 422, field=field)
    assert _rules(api) == before


def test_bulk_set_template_needs_a_known_template(api):
    rule = _rule_named(api, "Reminder")

    response = api.post(
        "/rules/bulk", json={"ids": [rule["id"]], "action": "set_template", "template_name": "x"}
    )

    assert_error(response, 422, field="template_name")
    assert api.get(f"/rules/{rule['id']}").get_json()["template_name"] == "reminder"


def test_the_openapi_document_describes_rules_and_bulk_R4_10(client):
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]

    assert schemas["RuleBulkInput"]["properties"]["action"]["enum"] == [
        "delete",
        "set_template",
        "set_channel",
    ]
    assert schemas["RuleBulkInput"]["required"] == ["action", "ids"]
    assert schemas["RuleCreate"]["required"] == ["kind", "notice", "trigger"]
    assert "location_ids" in schemas["Rule"]["properties"]
    filters = {p["name"] for p in document["paths"]["/api/v1/rules"]["get"]["parameters"]}
    assert {"kind", "trigger", "enabled"} <= filters


def test_a_rule_cannot_send_a_bot_reply_text(api):
    """A rule sends a notice; the bot's reply texts (reply_help, …) fill times offered and
    slots a notice has not, so a rule naming one is refused, even though a new business
    has its own wording of every reply text. Notice texts and own texts stay allowed."""
    assert api.get("/templates", query_string={"name": "reply_help"}).get_json()["items"]

    created = api.post(
        "/rules",
        json={
            "kind": "appointment",
            "trigger": "created",
            "notice": "confirmation",
            "template_name": "reply_help",
        },
    )
    error = assert_error(created, 422, code="reply_template", field="template_name")
    assert "'reply_help'" in error["message"]
    reminder = _rule_named(api, "Reminder")
    bulk = api.post(
        "/rules/bulk",
        json={"ids": [reminder["id"]], "action": "set_template", "template_name": "reply_help"},
    )
    assert_error(bulk, 422, code="reply_template", field="template_name")
    assert (
        api.get(f"/rules/{reminder['id']}").get_json()["template_name"]
        == (reminder["template_name"])
    )
    fine = api.post(
        "/rules",
        json={
            "kind": "appointment",
            "trigger": "created",
            "notice": "confirmation",
            "template_name": "confirmation",
        },
    )
    assert fine.status_code == 201, fine.get_json()
