"""The notification rules pages: the list per kind, bulk delete / template / channel
(R4.10), one rule's form with its reminder lead in a unit (R4.9, R1.5), rebook timing
(R2.4) and locations (R4.8), refusals next to the field, and who may see any of it."""

from __future__ import annotations

import re
from datetime import time, timedelta
from html import unescape

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from bot.models import Location, Notification, NotificationRule, User, UserRole
from bot.services.businesses import create_business
from bot.services.catalogue import create_location
from bot.services.commands import LocationChanges, NewStatus, RuleChanges
from bot.services.rules import create_rule
from bot.web.rules import service_changes, split_minutes, to_minutes
from bot.web.words import lead_in_words
from outbound.policy.vocabulary import ChannelChoice
from tests.support.databases import statements_run
from tests.support.web import STAFF_PASSWORD, fresh_clients, log_in

STAFF_ONLY = "ben@salon.test"


@pytest.fixture
def app(app):
    return fresh_clients(app)


@pytest.fixture
def browser(app, owner):
    """The owner's logged-in test client."""
    return log_in(app)


def rule_named(db, business, name) -> NotificationRule:
    db.session.expire_all()
    return db.session.scalar(
        select(NotificationRule).where(
            NotificationRule.business_id == business.id, NotificationRule.name == name
        )
    )


def assert_tag(html: str, element_id: str, attribute: str) -> None:
    """The element with `element_id` carries `attribute` (in any attribute order)."""
    [tag] = re.findall(rf'<[a-z]+ [^>]*\bid="{element_id}"[^>]*>', html)
    assert attribute in tag, tag


def form_of(rule: NotificationRule, **changes) -> dict:
    """What the page's form posts for `rule` unchanged, with `changes` on top."""
    data = {
        "name": rule.name,
        "trigger": rule.trigger.value,
        "trigger_status": rule.trigger_status or "",
        "notice": rule.notice.value,
        "template_name": rule.template_name or "",
        "audience": rule.audience.value,
        "channel": rule.channel.value,
        "delay_value": "0",
        "delay_unit": "minutes",
        "offset_value": "",
        "offset_unit": "hours",
        "rebook_mode": "",
        "rebook_days": "",
        "send_time": "",
    }
    if rule.enabled:
        data["enabled"] = "y"
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


# --- the pure translation between the form and the service ---------------------


def test_a_lead_reads_in_the_largest_whole_unit(app):
    with app.test_request_context():
        words = [lead_in_words(minutes) for minutes in (1440, 2880, 180, 90, 60, 1, 0, None)]
    assert words == [
        "1 day",
        "2 days",
        "3 hours",
        "90 minutes",
        "1 hour",
        "1 minute",
        "0 minutes",
        "0 minutes",
    ]


def test_amounts_in_units_are_minutes_and_back():
    assert to_minutes(48, "hours") == 2880
    assert to_minutes(2, "days") == 2880
    assert to_minutes(None, "days") is None
    assert split_minutes(2880) == (2, "days")
    assert split_minutes(90) == (90, "minutes")
    assert split_minutes(180) == (3, "hours")
    assert split_minutes(0) == (0, "minutes")


def test_fields_a_trigger_does_not_use_are_sent_as_null():
    values = {
        "name": " ",
        "trigger": "created",
        "trigger_status": "confirmed",
        "notice": "confirmation",
        "template_name": "",
        "audience": "customer",
        "channel": "sms",
        "delay_value": 2,
        "delay_unit": "hours",
        "offset_value": 48,
        "offset_unit": "hours",
        "rebook_mode": "after_visit",
        "rebook_days": 3,
        "send_time": time(9, 30),
        "location_ids": [],
        "working_hours_only": True,
        "enabled": True,
    }

    created = service_changes(values, new=True)
    reminder = service_changes({**values, "trigger": "reminder"}, new=False)
    rebook = service_changes({**values, "trigger": "rebook"}, new=False)

    assert "name" not in created and reminder["name"] == ""
    assert (created["trigger_status"], created["offset_minutes"], created["rebook_mode"]) == (
        "confirmed",
        None,
        None,
    )
    assert (created["delay_minutes"], created["template_name"], created["all_locations"]) == (
        120,
        None,
        True,
    )
    assert (reminder["offset_minutes"], reminder["trigger_status"]) == (2880, None)
    assert (rebook["rebook_mode"], rebook["rebook_days"], rebook["send_time"]) == (
        "after_visit",
        3,
        time(9, 30),
    )
    assert rebook["offset_minutes"] is None
    chosen = service_changes({**values, "location_ids": [4, 7]}, new=True)
    assert (chosen["all_locations"], chosen["location_ids"]) == (False, [4, 7])


# --- the list and bulk changes (R4.10) ------------------------------------------


def test_the_list_shows_a_kind_s_rules_in_words(browser, db, business):
    page = browser.get("/rules")
    orders = browser.get("/rules?kind=order")

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    reminder = rule_named(db, business, "Reminder")
    assert f'id="rule-{reminder.id}-select"' in text
    assert "1 day before the start" in text
    assert "status changed to cancelled" in text
    assert "automatic (email with consent, else SMS)" in text
    assert orders.status_code == 200
    assert "No rules for this kind of record yet." in orders.get_data(as_text=True)
    assert browser.get("/rules?kind=pigeon").status_code == 404


def test_bulk_change_channel_of_two_rules(browser, db, business):
    reminder = rule_named(db, business, "Reminder")
    cancellation = rule_named(db, business, "Cancellation")
    untouched = rule_named(db, business, "Time changed")

    response = browser.post(
        "/rules/bulk",
        data={
            "kind": "appointment",
            "rule_ids": [str(reminder.id), str(cancellation.id)],
            "action": "set_channel",
            "channel": "sms",
            "template_name": "",
        },
        follow_redirects=True,
    )

    assert response.status_code == 200
    assert "2 rules changed." in response.get_data(as_text=True)
    assert rule_named(db, business, "Reminder").channel == ChannelChoice.SMS
    assert rule_named(db, business, "Cancellation").channel == ChannelChoice.SMS
    assert rule_named(db, business, "Time changed").channel == untouched.channel


@pytest.mark.parametrize("wrong", [str(2**31), str(2**63)])
def test_bulk_with_an_id_no_column_holds_is_a_404_and_changes_nothing(browser, db, business, wrong):
    reminder = rule_named(db, business, "Reminder")
    channel = reminder.channel
    data = {"kind": "appointment", "rule_ids": [str(reminder.id), wrong], "action": "set_channel"}

    response = browser.post("/rules/bulk", data={**data, "channel": "sms", "template_name": ""})

    assert response.status_code == 404
    db.session.expire_all()
    assert channel != ChannelChoice.SMS
    assert rule_named(db, business, "Reminder").channel == channel


def test_bulk_change_template_and_back_to_the_default_text(browser, db, business):
    ids = [str(rule_named(db, business, name).id) for name in ("Reminder", "Cancellation")]
    bulk = {"kind": "appointment", "rule_ids": ids, "action": "set_template", "channel": "sms"}

    changed = browser.post("/rules/bulk", data={**bulk, "template_name": "change"})
    after_change = [rule_named(db, business, n).template_name for n in ("Reminder", "Cancellation")]
    back = browser.post("/rules/bulk", data={**bulk, "template_name": ""})

    assert changed.status_code == back.status_code == 302
    assert after_change == ["change", "change"]
    assert rule_named(db, business, "Reminder").template_name is None
    assert rule_named(db, business, "Reminder").channel == ChannelChoice.AUTO  # not the channel


def test_bulk_delete_withdraws_what_the_rules_planned(
    browser, db, business, customer_factory, record_factory
):
    record_factory(customer_factory())
    reminder = rule_named(db, business, "Reminder")
    ids = [reminder.id, rule_named(db, business, "Time changed").id]

    chosen = {"kind": "appointment", "rule_ids": [str(i) for i in ids], "action": "delete"}
    response = browser.post("/rules/bulk", data={**chosen, "confirmed": "1"}, follow_redirects=True)

    assert "2 rules deleted. 1 planned notice withdrawn." in response.get_data(as_text=True)
    assert rule_named(db, business, "Reminder") is None
    assert rule_named(db, business, "Time changed") is None
    reminders = db.session.scalars(select(Notification).where(Notification.notice == "reminder"))
    assert [(n.status.value, n.reason) for n in reminders] == [("cancelled", "rule deleted")]


def test_bulk_with_nothing_selected_is_refused(browser, db, business):
    response = browser.post(
        "/rules/bulk", data={"kind": "appointment", "action": "delete", "channel": "sms"}
    )

    assert response.status_code == 422
    assert "Select at least one rule first." in response.get_data(as_text=True)
    assert rule_named(db, business, "Reminder") is not None


def test_bulk_sms_for_the_business_s_own_notice_is_refused_keeping_the_choice(
    browser, db, business
):
    reminder = rule_named(db, business, "Reminder")
    own = rule_named(db, business, "New request (to the business)")

    response = browser.post(
        "/rules/bulk",
        data={
            "kind": "appointment",
            "rule_ids": [str(reminder.id), str(own.id)],
            "action": "set_channel",
            "channel": "sms",
        },
    )

    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Notices to the business itself go by email only" in text
    assert re.search(rf'id="rule-{own.id}-select"[^>]*checked', text)
    assert re.search(r'<option value="sms"\s+selected', text)
    assert rule_named(db, business, "Reminder").channel == ChannelChoice.AUTO


# --- one rule --------------------------------------------------------------------


def test_the_reminder_edited_to_48_hours_plans_reminders_48_hours_ahead_R4_9(
    browser, db, business, customer_factory, record_factory, now
):
    reminder = rule_named(db, business, "Reminder")
    form = browser.get(f"/rules/{reminder.id}").get_data(as_text=True)
    assert 'id="offset_value"' in form and 'id="offset_unit"' in form

    response = browser.post(
        f"/rules/{reminder.id}", data=form_of(reminder, offset_value="48", offset_unit="hours")
    )

    assert response.status_code == 302
    assert rule_named(db, business, "Reminder").offset_minutes == 48 * 60
    shown = browser.get(f"/rules/{reminder.id}").get_data(as_text=True)
    assert re.search(r'id="offset_value"[^>]*value="2"', shown)  # 48 hours are 2 days
    assert "2 days before the start" in browser.get("/rules").get_data(as_text=True)
    # Appointments booked from now on get their reminder 48 hours before the start;
    # the notices planned before the change stay as planned (the service's rule).
    starts_at = (now + timedelta(days=5)).replace(minute=0, second=0)
    record = record_factory(customer_factory(), starts_at=starts_at)
    planned = db.session.scalars(
        select(Notification).where(
            Notification.record_id == record.id, Notification.notice == "reminder"
        )
    ).all()
    assert [n.due_at for n in planned] == [starts_at - timedelta(hours=48)]


def test_a_new_order_rule_on_the_business_s_own_status(browser, db, business, app):
    from bot.services.statuses import create_status

    create_status(db.session, business, NewStatus(kind="order", code="ready", label="Abholbereit"))
    mitte = Location(business_id=business.id, name="Mitte")
    db.session.add(mitte)
    db.session.commit()
    page = browser.get("/rules/new?kind=order").get_data(as_text=True)
    assert '<option value="ready">Abholbereit</option>' in page

    response = browser.post(
        "/rules/new?kind=order",
        data={
            "name": "Ready for pickup",
            "trigger": "status_changed_to",
            "trigger_status": "ready",
            "notice": "order_status",
            "template_name": "",
            "audience": "customer",
            "channel": "sms",
            "delay_value": "15",
            "delay_unit": "minutes",
            "offset_unit": "hours",
            "location_ids": str(mitte.id),
            "working_hours_only": "y",
            "enabled": "y",
        },
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/rules?kind=order")
    rule = rule_named(db, business, "Ready for pickup")
    assert (rule.kind.value, rule.trigger_status, rule.delay_minutes) == ("order", "ready", 15)
    assert (rule.all_locations, [loc.name for loc in rule.locations]) == (False, ["Mitte"])
    assert rule.working_hours_only and rule.enabled
    listed = browser.get("/rules?kind=order").get_data(as_text=True)
    assert "status changed to Abholbereit" in listed
    assert "15 minutes later, in working hours only" in listed


def test_a_rebook_rule_with_its_timing_R2_4(browser, db, business):
    response = browser.post(
        "/rules/new?kind=appointment",
        data={
            "name": "Wiederkommen",
            "trigger": "rebook",
            "notice": "rebook",
            "audience": "customer",
            "channel": "auto",
            "delay_value": "0",
            "delay_unit": "minutes",
            "offset_unit": "hours",
            "rebook_mode": "predicted",
            "rebook_days": "5",
            "send_time": "09:30",
            "enabled": "y",
        },
    )

    assert response.status_code == 302
    rule = rule_named(db, business, "Wiederkommen")
    assert (rule.rebook_mode, rule.rebook_days, rule.send_time) == ("predicted", 5, time(9, 30))
    assert "5 days before the predicted next visit, at 09:30" in browser.get("/rules").text


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"offset_value": ""}, "offset_value", "how long before the start"),
        ({"offset_value": "400", "offset_unit": "days"}, "offset_value", "at most 365 days"),
        ({"offset_value": "zwei"}, "offset_value", ""),
        ({"offset_value": "2", "delay_value": "10"}, "delay_value", "take no delay"),
        ({"offset_value": "2", "name": ""}, "name", "name"),
    ],
)
def test_bad_input_is_422_next_to_the_field_with_everything_kept(
    browser, db, business, changes, field, words
):
    reminder = rule_named(db, business, "Reminder")
    typed = form_of(reminder, **{"working_hours_only": "y", **changes})
    typed["name"] = changes.get("name", "Mein Erinnerungstext")

    response = browser.post(f"/rules/{reminder.id}", data=typed)

    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert_tag(text, field, 'aria-invalid="true"')
    assert words in text
    assert f'value="{typed["name"]}"' in text or typed["name"] == ""
    assert_tag(text, "working_hours_only", "checked")
    assert rule_named(db, business, "Reminder").offset_minutes == 1440
    assert not rule_named(db, business, "Reminder").working_hours_only


def test_a_status_changed_to_rule_without_a_status_is_refused_there(browser, db, business):
    response = browser.post(
        "/rules/new?kind=appointment",
        data={
            "name": "Done",
            "trigger": "status_changed_to",
            "notice": "change",
            "audience": "customer",
            "channel": "auto",
            "delay_value": "0",
            "delay_unit": "minutes",
            "offset_unit": "hours",
        },
    )

    assert response.status_code == 422
    assert_tag(response.text, "trigger_status", 'aria-invalid="true"')
    assert "Choose one of this kind" in response.text
    assert 'value="Done"' in response.text
    assert rule_named(db, business, "Done") is None


def test_a_rule_is_deleted_from_its_page(browser, db, business, customer_factory, record_factory):
    record_factory(customer_factory())
    reminder = rule_named(db, business, "Reminder")

    response = browser.post(f"/rules/{reminder.id}/delete", follow_redirects=True)

    assert "The rule “Reminder” is deleted. 1 planned notice withdrawn." in response.text
    assert rule_named(db, business, "Reminder") is None


# --- who may ---------------------------------------------------------------------


def _pages(rule_id):
    gets = ["/rules", "/rules?kind=order", "/rules/new", f"/rules/{rule_id}"]
    posts = ["/rules/bulk", "/rules/new", f"/rules/{rule_id}", f"/rules/{rule_id}/delete"]
    return gets, posts


def test_staff_get_the_403_page_and_change_nothing(app, db, business, owner):
    staff = User(
        business_id=business.id,
        email=STAFF_ONLY,
        role=UserRole.STAFF,
        password_hash=generate_password_hash(STAFF_PASSWORD),
        locale="en",
    )
    db.session.add(staff)
    db.session.commit()
    reminder = rule_named(db, business, "Reminder")
    client = log_in(app, STAFF_ONLY)
    gets, posts = _pages(reminder.id)

    for url in gets:
        assert client.get(url).status_code == 403, url
    for url in posts:
        data = form_of(reminder, offset_value="48", rule_ids=str(reminder.id), action="delete")
        assert client.post(url, data=data).status_code == 403, url
    assert rule_named(db, business, "Reminder").offset_minutes == 1440
    assert "Rules" not in client.get("/account").text


def test_a_visitor_is_sent_to_the_login(client, db, business):
    reminder = rule_named(db, business, "Reminder")
    gets, posts = _pages(reminder.id)

    for url in gets:
        response = client.get(url)
        assert (response.status_code, "/login" in response.headers["Location"]) == (302, True)
    for url in posts:
        response = client.post(url, data={"rule_ids": str(reminder.id), "action": "delete"})
        assert (response.status_code, "/login" in response.headers["Location"]) == (302, True)
    assert rule_named(db, business, "Reminder") is not None


def test_another_business_s_rule_is_404(browser, db, business):
    other = create_business(db.session, name="Other Salon", sms_from="+4930555011").business
    db.session.commit()
    theirs = rule_named(db, other, "Reminder")
    mine = rule_named(db, business, "Reminder")

    assert browser.get(f"/rules/{theirs.id}").status_code == 404
    assert browser.post(f"/rules/{theirs.id}", data=form_of(theirs)).status_code == 404
    assert browser.post(f"/rules/{theirs.id}/delete").status_code == 404
    bulk = browser.post(
        "/rules/bulk",
        data={
            "kind": "appointment",
            "rule_ids": [str(mine.id), str(theirs.id)],
            "action": "delete",
        },
    )
    assert bulk.status_code == 404
    assert rule_named(db, other, "Reminder") is not None
    assert rule_named(db, business, "Reminder") is not None
    assert "Other Salon" not in browser.get("/rules").text
    assert browser.get("/rules/99999999999999999999").status_code == 404
    huge = {"kind": "appointment", "rule_ids": "99999999999999999999", "action": "delete"}
    assert browser.post("/rules/bulk", data=huge).status_code == 404


def test_the_page_speaks_the_business_s_language(app, db, business, owner):
    owner.locale = None  # the salon's German
    db.session.commit()

    page = log_in(app).get("/rules").text

    assert "Benachrichtigungsregeln" in page
    assert "1 Tag vor Beginn" in page
    assert "Status geändert zu bestätigt" in page


# --- issue 11 review: a bulk delete asks first; rules pick notice texts by name -----


def test_a_bulk_delete_asks_first_and_deletes_only_when_confirmed(
    browser, db, business, customer_factory, record_factory
):
    record_factory(customer_factory())
    reminder = rule_named(db, business, "Reminder")
    changed = rule_named(db, business, "Time changed")
    chosen = {
        "kind": "appointment",
        "rule_ids": [str(reminder.id), str(changed.id)],
        "action": "delete",
    }

    asked = browser.post("/rules/bulk", data=chosen)

    assert asked.status_code == 200
    page = asked.text
    assert "Delete these 2 rules?" in page
    listed = re.search(r'<ul id="bulk-delete-rules">(.*?)</ul>', page, re.S).group(1)
    assert "Reminder" in listed and "Time changed" in listed and "Cancellation" not in listed
    assert re.search(
        r'<button type="submit" class="danger" id="bulk-delete-confirm">'
        r"Delete 2 rules</button>",
        page,
    )
    assert 'id="bulk-delete-cancel"' in page and 'href="/rules?kind=appointment"' in page
    assert 'name="confirmed" value="1"' in page
    for rule in (reminder, changed):
        assert f'name="rule_ids" value="{rule.id}"' in page
    # Nothing is deleted and nothing withdrawn until the confirming post.
    assert rule_named(db, business, "Reminder") is not None
    assert rule_named(db, business, "Time changed") is not None
    planned = db.session.scalars(select(Notification).where(Notification.notice == "reminder"))
    assert [n.status.value for n in planned] == ["scheduled"]

    done = browser.post("/rules/bulk", data={**chosen, "confirmed": "1"}, follow_redirects=True)
    assert "2 rules deleted." in done.text
    assert rule_named(db, business, "Reminder") is None


def test_the_bulk_delete_question_speaks_german_and_refuses_another_business(
    app, browser, db, business, owner
):
    other = create_business(db.session, name="Other Salon", sms_from="+4930555012").business
    db.session.commit()
    reminder = rule_named(db, business, "Reminder")
    theirs = rule_named(db, other, "Reminder")
    owner.locale = "de"
    db.session.commit()

    asked = browser.post(
        "/rules/bulk",
        data={"kind": "appointment", "rule_ids": [str(reminder.id)], "action": "delete"},
    )
    foreign = browser.post(
        "/rules/bulk",
        data={
            "kind": "appointment",
            "rule_ids": [str(reminder.id), str(theirs.id)],
            "action": "delete",
        },
    )

    assert "Diese Regel löschen?" in asked.text and "1 Regel löschen" in asked.text
    assert foreign.status_code == 404 and "Other Salon" not in foreign.text
    assert rule_named(db, other, "Reminder") is not None
    assert rule_named(db, business, "Reminder") is not None


def _options(html: str, select_id: str) -> dict[str, str]:
    found = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert found, select_id
    return {
        value: unescape(words).strip()
        for value, words in re.findall(
            r'<option[^>]*value="([^"]*)"[^>]*>(.*?)</option>', found.group(1), re.S
        )
    }


def test_rules_offer_notice_texts_in_words_and_never_a_bot_reply(browser, db, business):
    reminder = rule_named(db, business, "Reminder")
    before = reminder.template_name
    assert before != "reply_help"

    form = _options(browser.get(f"/rules/{reminder.id}").text, "template_name")
    bulk = _options(browser.get("/rules").text, "bulk-template")

    for options in (form, bulk):
        assert options["confirmation"] == "booking confirmation"
        assert options["new_booking_for_business"] == "new booking (to the business)"
        assert not [value for value in options if value.startswith("reply_")]
        assert "new_booking_for_business" not in options.values()
    # The business's own reply wording is stored (a new business has every shipped text),
    # and still a rule may not send it.
    refused = browser.post(
        f"/rules/{reminder.id}",
        data=form_of(reminder, template_name="reply_help", offset_value="1", offset_unit="days"),
    )
    assert refused.status_code == 422
    assert "Choose one of the notice texts." in refused.text
    assert rule_named(db, business, "Reminder").template_name == before
    bulk_refused = browser.post(
        "/rules/bulk",
        data={
            "kind": "appointment",
            "rule_ids": [str(reminder.id)],
            "action": "set_template",
            "template_name": "reply_help",
        },
    )
    assert bulk_refused.status_code == 422
    assert "Choose one of the notice texts." in bulk_refused.text
    assert rule_named(db, business, "Reminder").template_name == before


def test_a_rule_s_own_text_is_listed_by_its_words(browser, db, business):
    reminder = rule_named(db, business, "Reminder")
    changed = browser.post(
        f"/rules/{reminder.id}",
        data=form_of(reminder, template_name="change", offset_value="1", offset_unit="days"),
    )
    assert changed.status_code == 302

    listing = browser.get("/rules").text

    row = re.search(rf'<tr id="rule-{reminder.id}".*?</tr>', listing, re.S).group(0)
    assert "text: change" in row and "template change" not in row
    choices = _options(listing, "bulk-template")
    assert choices["rebook"] == "rebooking nudge" and choices["change"] == "change"


def test_the_rules_page_reads_the_locations_in_one_query_however_many_rules(browser, db, business):
    location = create_location(db.session, business, LocationChanges(name="Mitte"))
    chosen = {"all_locations": False, "location_ids": [location.id]}

    def statements_for(rules: int) -> int:
        for _number in range(rules):
            create_rule(
                db.session,
                business,
                RuleChanges.from_fields(
                    {"kind": "order", "trigger": "created", "notice": "confirmation", **chosen}
                ),
            )
        db.session.commit()
        with statements_run(db) as statements:
            page = browser.get("/rules?kind=order")
        assert page.status_code == 200
        assert page.text.count('name="rule_ids"') >= rules
        return len(statements)

    few = statements_for(1)
    many = statements_for(15)
    assert few == many
