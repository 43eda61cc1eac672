"""WhatsApp notices (issue 4, point 6): free text inside the customer's 24-hour
window, the business's approved template (Content SID) outside it, else SMS
with the reason recorded, or skipped when SMS may not be used either.

Driven as an integrating developer would: the API sets the sender, the rule,
the customer and the template, the customer writes through the signed
webhook, a dispatcher pass runs as of an instant and the real RQ worker sends
to the fake Twilio."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.extensions import db
from bot.models import AddressKind, ContactAddress, Message
from outbound.jobs import run_dispatch_pass
from outbound.policy.whatsapp_window import Route, RouteDecision, choose_route
from tests.support.api import assert_error
from tests.support.settings import PUBLIC_BASE_URL, TWILIO_SID
from tests.support.webhooks import MESSAGES_PATH, inbound_form, sign

WHATSAPP_FROM = "+4930555099"
CUSTOMER_MOBILE = "+4915112345678"
CONTENT_SID = "HX" + "0123456789abcdef" * 2
APPROVED = {
    "name": "confirmation",
    "channel": "whatsapp",
    "locale": "de",
    "body": "Hallo {{ customer.first_name }}, Ihr Termin am {{ date }} um {{ time }} Uhr "
    "ist bestätigt.",
    "content_sid": CONTENT_SID,
    "content_variables": {"1": "{{ customer.first_name }}", "2": "{{ date }}", "3": "{{ time }}"},
}


@pytest.fixture
def on_whatsapp(api):
    """The salon sends on WhatsApp: its sender is set and its confirmations go there."""
    assert api.patch("/business", json={"whatsapp_from": WHATSAPP_FROM}).status_code == 200
    rules = api.get("/rules", query_string={"trigger": "created"}).get_json()["items"]
    [confirmation] = [
        rule
        for rule in rules
        if rule["audience"] == "customer" and rule["notice"] == "confirmation"
    ]
    changed = api.patch(f"/rules/{confirmation['id']}", json={"channel": "whatsapp"})
    assert changed.status_code == 200, changed.get_json()
    return api


def _customer(api, **extra):
    data = {"name": "Ursula Hoffmann", "phone": "0151 12345678", "sms_consent": True}
    response = api.post("/customers", json={**data, "whatsapp": "0151 12345678", **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _writes_on_whatsapp(client, text="Hallo!", *, hours_ago=0):
    """The customer writes on WhatsApp (signed webhook); `hours_ago` dates it back,
    as if it had come then, since the worker sends by the clock."""
    form = inbound_form(text, sender=f"whatsapp:{CUSTOMER_MOBILE}", to=f"whatsapp:{WHATSAPP_FROM}")
    response = client.post(
        MESSAGES_PATH, data=form, headers={"X-Twilio-Signature": sign(MESSAGES_PATH, form)}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    if hours_ago:
        message = db.session.scalar(
            select(Message).where(Message.provider_sid == form["MessageSid"])
        )
        message.created_at -= timedelta(hours=hours_ago)
        db.session.commit()


def _book(api, customer, now):
    response = api.post(
        "/records",
        json={
            "customer_id": customer["id"],
            "starts_at": (now + timedelta(days=3)).replace(hour=13, minute=0).isoformat(),
            "status": "confirmed",
        },
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _confirmation(api, record):
    notices = api.get("/notifications", query_string={"record_id": record["id"]}).get_json()
    [confirmation] = [n for n in notices["items"] if n["notice"] == "confirmation"]
    return confirmation


def _messages(api, customer, notice):
    """The customer's messages that carried `notice`: its current one."""
    listed = api.get("/messages", query_string={"customer_id": customer["id"]}).get_json()
    return [m for m in listed["items"] if m["id"] == notice["message_id"]]


def _dispatch(at, work):
    run_dispatch_pass(at, send_inline=False)
    work()


def test_inside_the_window_the_notice_goes_as_whatsapp_free_text(
    on_whatsapp, client, fake_twilio, work, now
):
    customer = _customer(on_whatsapp)
    _writes_on_whatsapp(client, hours_ago=23)
    work()  # the bot's answer to "Hallo!"
    fake_twilio.reset()
    record = _book(on_whatsapp, customer, now)

    _dispatch(now + timedelta(minutes=1), work)

    [sent] = fake_twilio.messages
    assert (sent.to, sent.sender) == (f"whatsapp:{CUSTOMER_MOBILE}", f"whatsapp:{WHATSAPP_FROM}")
    assert sent.content_sid is None
    assert "Salon Sonnenschein" in sent.body and "14:00 Uhr" in sent.body  # 13:00 UTC
    confirmation = _confirmation(on_whatsapp, record)
    assert (confirmation["channel"], confirmation["status"]) == ("whatsapp", "sent")
    assert confirmation["reason"] is None
    [message] = _messages(on_whatsapp, customer, confirmation)
    assert (message["channel"], message["segments"], message["encoding"]) == ("whatsapp", 0, None)


def test_outside_the_window_the_approved_template_goes_with_its_variables(
    on_whatsapp, client, fake_twilio, work, now
):
    created = on_whatsapp.post("/templates", json=APPROVED)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["content_sid"] == CONTENT_SID
    customer = _customer(on_whatsapp)  # never wrote on WhatsApp
    record = _book(on_whatsapp, customer, now)

    _dispatch(now + timedelta(minutes=1), work)

    [sent] = fake_twilio.messages
    assert sent.to == f"whatsapp:{CUSTOMER_MOBILE}"
    assert sent.content_sid == CONTENT_SID
    assert "Body" not in sent.params  # a template, not free text
    variables = sent.content_variables
    assert variables["1"] == "Ursula"
    assert variables["3"] == "14:00"  # 13:00 UTC in Berlin
    assert variables["2"].endswith(str((now + timedelta(days=3)).year))
    confirmation = _confirmation(on_whatsapp, record)
    assert (confirmation["channel"], confirmation["status"]) == ("whatsapp", "sent")
    [message] = _messages(on_whatsapp, customer, confirmation)
    assert message["content_sid"] == CONTENT_SID
    assert message["body"].startswith("Hallo Ursula, Ihr Termin am")  # the template's wording


def test_outside_the_window_without_a_template_the_notice_goes_by_sms_saying_why(
    on_whatsapp, client, fake_twilio, work, now
):
    customer = _customer(on_whatsapp)
    _writes_on_whatsapp(client, hours_ago=23.6)  # inside 24 h, but too close to its end
    work()  # the bot's answer
    fake_twilio.reset()
    record = _book(on_whatsapp, customer, now)

    _dispatch(now + timedelta(minutes=1), work)

    [sent] = fake_twilio.messages
    assert sent.to == CUSTOMER_MOBILE and not sent.sender.startswith("whatsapp:")
    assert sent.content_sid is None and "14:00 Uhr" in sent.body
    confirmation = _confirmation(on_whatsapp, record)
    assert (confirmation["channel"], confirmation["status"]) == ("whatsapp", "sent")
    assert confirmation["reason"].startswith(
        "sent by SMS: outside the customer's 24-hour WhatsApp window"
    )
    [message] = _messages(on_whatsapp, customer, confirmation)
    assert (message["channel"], message["to"]) == ("sms", CUSTOMER_MOBILE)
    assert (
        "no WhatsApp template with a Content SID for 'confirmation' in de"
        in (confirmation["reason"])
    )


def test_the_reason_for_sms_survives_a_retry(on_whatsapp, fake_twilio, work, now):
    customer = _customer(on_whatsapp)
    record = _book(on_whatsapp, customer, now)
    fake_twilio.fail_next(500)

    _dispatch(now + timedelta(minutes=1), work)
    retrying = _confirmation(on_whatsapp, record)
    assert retrying["status"] == "scheduled" and "attempt 1 failed" in retrying["reason"]
    _dispatch(now + timedelta(hours=1), work)

    [sent] = fake_twilio.messages
    assert sent.to == CUSTOMER_MOBILE
    confirmation = _confirmation(on_whatsapp, record)
    assert (confirmation["channel"], confirmation["status"]) == ("whatsapp", "sent")
    assert confirmation["reason"].startswith("sent by SMS: the customer has never written")


def test_a_retry_goes_on_whatsapp_when_the_customer_wrote_meanwhile(
    on_whatsapp, client, fake_twilio, work, now
):
    customer = _customer(on_whatsapp)
    record = _book(on_whatsapp, customer, now)
    fake_twilio.fail_next(500)
    _dispatch(now + timedelta(minutes=1), work)  # by SMS: never wrote; Twilio fails
    assert "sent by SMS" in _confirmation(on_whatsapp, record)["reason"]

    _writes_on_whatsapp(client)
    work()
    fake_twilio.reset()
    _dispatch(now + timedelta(hours=1), work)

    [sent] = fake_twilio.messages
    assert sent.to == f"whatsapp:{CUSTOMER_MOBILE}" and sent.content_sid is None
    confirmation = _confirmation(on_whatsapp, record)
    assert (confirmation["status"], confirmation["reason"]) == ("sent", None)


def test_whatsapp_refusing_free_text_sends_the_notice_again_by_sms(
    on_whatsapp, client, fake_twilio, work, now
):
    customer = _customer(on_whatsapp)
    _writes_on_whatsapp(client, hours_ago=20)  # our records say the window is open
    work()
    fake_twilio.reset()
    record = _book(on_whatsapp, customer, now)
    _dispatch(now + timedelta(minutes=1), work)
    [free_text] = fake_twilio.messages
    assert free_text.to.startswith("whatsapp:")

    # ... but WhatsApp closed it (the customer's clock is not ours): error 63016
    form = {
        "MessageSid": free_text.sid,
        "MessageStatus": "failed",
        "ErrorCode": "63016",
        "AccountSid": TWILIO_SID,
        "To": free_text.to,
        "From": free_text.sender,
    }
    url = free_text.params["StatusCallback"]
    path = url.removeprefix(PUBLIC_BASE_URL)
    answer = client.post(path, data=form, headers={"X-Twilio-Signature": sign(path, form)})
    assert answer.status_code in (200, 204)
    waiting = _confirmation(on_whatsapp, record)
    assert waiting["status"] == "scheduled" and "63016" in waiting["reason"]
    _dispatch(now + timedelta(minutes=2), work)

    [_, again] = fake_twilio.messages
    assert again.to == CUSTOMER_MOBILE and "14:00 Uhr" in again.body
    confirmation = _confirmation(on_whatsapp, record)
    assert confirmation["status"] == "sent"
    assert confirmation["reason"].startswith("sent by SMS: WhatsApp refused free text on ")


def test_the_window_of_another_number_does_not_open_this_one(
    on_whatsapp, client, fake_twilio, work, now
):
    customer = _customer(on_whatsapp)
    _writes_on_whatsapp(client)  # from the old WhatsApp number
    work()
    fake_twilio.reset()
    changed = on_whatsapp.patch(f"/customers/{customer['id']}", json={"whatsapp": "0151 99999999"})
    assert changed.get_json()["whatsapp"] == "+4915199999999"
    record = _book(on_whatsapp, customer, now)

    _dispatch(now + timedelta(minutes=1), work)

    [sent] = fake_twilio.messages
    assert sent.to == CUSTOMER_MOBILE  # by SMS: the new number never wrote
    assert "never written on WhatsApp" in _confirmation(on_whatsapp, record)["reason"]


def test_without_sms_either_the_notice_is_skipped_with_both_reasons(
    on_whatsapp, fake_twilio, work, now
):
    customer = _customer(on_whatsapp, sms_consent=False)
    record = _book(on_whatsapp, customer, now)

    _dispatch(now + timedelta(minutes=1), work)

    assert fake_twilio.messages == []
    confirmation = _confirmation(on_whatsapp, record)
    assert confirmation["status"] == "skipped"
    assert confirmation["reason"].startswith("not sent: the customer has never written")
    assert confirmation["reason"].endswith("SMS cannot be used: customer has no SMS consent")


def test_a_customer_without_a_whatsapp_number_is_skipped_at_planning(on_whatsapp, now):
    response = on_whatsapp.post("/customers", json={"name": "Jo", "phone": "0151 76543210"})
    record = _book(on_whatsapp, response.get_json(), now)

    confirmation = _confirmation(on_whatsapp, record)
    assert confirmation["status"] == "skipped"
    assert confirmation["reason"] == "customer has no WhatsApp address"


def test_writing_on_whatsapp_is_not_agreeing_to_whatsapp_notices(api, client, customer_factory, db):
    assert api.patch("/business", json={"whatsapp_from": WHATSAPP_FROM}).status_code == 200
    customer = customer_factory()  # phone only

    _writes_on_whatsapp(client, "STOPP")  # an opt-out, from WhatsApp

    read = api.get(f"/customers/{customer.id}").get_json()
    assert read["whatsapp"] is None  # only the business sets it, when they agreed
    assert read["sms_opted_out_at"] is None  # the opt-out stays on WhatsApp
    address = db.session.scalar(
        select(ContactAddress).where(ContactAddress.kind == AddressKind.WHATSAPP)
    )
    assert (address.customer_id, address.value) == (customer.id, CUSTOMER_MOBILE)
    assert address.opted_out_at is not None

    agreed = api.patch(f"/customers/{customer.id}", json={"whatsapp": CUSTOMER_MOBILE})
    assert agreed.get_json()["whatsapp_opted_out_at"] is not None  # the number's opt-out holds


def test_a_whatsapp_number_is_checked_like_a_phone(api, customer_factory):
    assert_error(
        api.post("/customers", json={"name": "Jo", "whatsapp": "12"}),
        422,
        code="invalid_phone",
        field="whatsapp",
    )
    customer_factory(whatsapp="0151 12345678")
    assert_error(
        api.post("/customers", json={"name": "Jo", "whatsapp": "+49 151 12345678"}),
        409,
        code="duplicate_whatsapp",
        field="whatsapp",
    )


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"content_sid": "HX123"}, "content_sid", "HX and 32 hexadecimal"),
        ({"content_variables": {"1": "{{ customer.nickname }}"}}, "content_variables", "nickname"),
        ({"content_variables": {"1": "{{ '' }}"}}, "content_variables", "renders empty"),
        ({"content_variables": {"1 2": "x"}}, "content_variables", "placeholder name"),
        ({"content_sid": None}, "content_variables", "give content_sid too"),
        ({"channel": "sms", "name": "own"}, "content_sid", "only WhatsApp templates"),
        ({"subject": "Termin"}, "subject", "a WhatsApp message has no subject"),
    ],
)
def test_a_whatsapp_template_that_cannot_be_sent_is_refused(api, change, field, words):
    error = assert_error(api.post("/templates", json={**APPROVED, **change}), 422, field=field)
    assert words in error["message"]
    assert api.get("/templates", query_string={"channel": "whatsapp"}).get_json()["items"] == []


def test_the_preview_renders_a_whatsapp_template_s_variables(api):
    response = api.post(
        "/templates/preview",
        json={
            "channel": "whatsapp",
            "body": APPROVED["body"],
            "content_variables": APPROVED["content_variables"],
        },
    )

    assert response.status_code == 200, response.get_json()
    preview = response.get_json()
    assert preview["text"].startswith("Hallo Ursula, Ihr Termin am")
    assert preview["content_variables"]["1"] == "Ursula"
    assert preview["content_variables"]["3"] == "14:00"
    assert (preview["segments"], preview["encoding"]) == (0, None)


def test_a_template_s_content_can_be_changed_and_removed(api):
    created = api.post("/templates", json=APPROVED).get_json()
    changed = api.patch(
        f"/templates/{created['id']}", json={"content_variables": {"1": "{{ business.name }}"}}
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["content_variables"] == {"1": "{{ business.name }}"}

    removed = api.patch(
        f"/templates/{created['id']}", json={"content_sid": None, "content_variables": None}
    )
    assert removed.status_code == 200, removed.get_json()
    assert (removed.get_json()["content_sid"], removed.get_json()["content_variables"]) == (
        None,
        None,
    )


# --- the decision itself -----------------------------------------------------

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _route(last_inbound_at, *, template_id=None, no_sms=None, refused_at=None):
    return choose_route(
        last_inbound_at=last_inbound_at,
        refused_at=refused_at,
        now=NOW,
        template_id=template_id,
        text_name="reminder",
        locale="de",
        no_sms=no_sms,
        timezone="Europe/Berlin",
    )


def test_the_window_is_24_hours_from_the_customer_s_last_message_with_a_margin():
    assert _route(NOW - timedelta(hours=23, minutes=29)).route == Route.FREE_TEXT
    closing = _route(NOW - timedelta(hours=23, minutes=31))  # a paced send might miss it
    assert closing.route == Route.SMS
    assert "last WhatsApp message came 2026-11-24 13:29 CET" in closing.reason


def test_a_refusal_after_the_customer_s_last_message_closes_the_window():
    wrote = NOW - timedelta(hours=2)
    refused = _route(wrote, refused_at=NOW - timedelta(hours=1))
    assert refused.route == Route.SMS
    assert "WhatsApp refused free text on 2026-11-25 12:00 CET" in refused.reason
    assert _route(wrote, refused_at=wrote - timedelta(hours=1)).route == Route.FREE_TEXT


def test_outside_the_window_a_template_wins_over_sms_and_sms_over_skipping():
    assert _route(None, template_id=7) == RouteDecision(Route.TEMPLATE, template_id=7)
    assert _route(None).route == Route.SMS
    skipped = _route(None, no_sms="SMS is switched off for this business")
    assert skipped.route == Route.SKIP
    assert skipped.reason.endswith("SMS cannot be used: SMS is switched off for this business")


def test_a_change_notice_gone_to_sms_is_replaced_by_the_next_change(
    on_whatsapp, client, fake_twilio, work, now
):
    rules = on_whatsapp.get("/rules", query_string={"trigger": "time_changed"}).get_json()
    [changed_rule] = [rule for rule in rules["items"] if rule["audience"] == "customer"]
    on_whatsapp.patch(f"/rules/{changed_rule['id']}", json={"channel": "whatsapp"})
    customer = _customer(on_whatsapp)
    record = _book(on_whatsapp, customer, now)
    _dispatch(now + timedelta(minutes=1), work)  # the confirmation
    starts_at = datetime.fromisoformat(record["starts_at"])
    on_whatsapp.patch(
        f"/records/{record['id']}", json={"starts_at": (starts_at + timedelta(hours=1)).isoformat()}
    )
    fake_twilio.reset()
    fake_twilio.fail_next(500)
    _dispatch(now + timedelta(minutes=2), work)  # by SMS, and Twilio fails: a retry waits
    _writes_on_whatsapp(client)
    work()
    fake_twilio.reset()

    on_whatsapp.patch(
        f"/records/{record['id']}", json={"starts_at": (starts_at + timedelta(hours=2)).isoformat()}
    )
    _dispatch(now + timedelta(hours=2), work)

    [sent] = [m for m in fake_twilio.messages if "angepasst" in m.body]
    assert sent.to == f"whatsapp:{CUSTOMER_MOBILE}" and "16:00" in sent.body
    notices = on_whatsapp.get("/notifications", query_string={"record_id": record["id"]})
    changes = [n for n in notices.get_json()["items"] if n["notice"] == "change"]
    assert sorted(n["status"] for n in changes) == ["sent", "skipped"]


def test_a_63016_that_overtakes_twilio_s_answer_still_sends_the_notice_again(
    app, on_whatsapp, client, fake_twilio, work, now
):
    customer = _customer(on_whatsapp)
    _writes_on_whatsapp(client, hours_ago=20)
    work()
    fake_twilio.reset()
    record = _book(on_whatsapp, customer, now)
    fake_twilio.hold_next()  # Twilio takes the message but has not answered yet

    def send():
        with app.app_context():
            run_dispatch_pass(now + timedelta(minutes=1), send_inline=True)

    sending = threading.Thread(target=send)
    sending.start()
    try:
        assert fake_twilio.wait_until_held(timeout=10)
        message_id = _confirmation(on_whatsapp, record)["message_id"]
        form = {
            "MessageSid": "SM" + "f" * 32,
            "MessageStatus": "failed",
            "ErrorCode": "63016",
            "AccountSid": TWILIO_SID,
        }
        path = f"/webhooks/twilio/status?message={message_id}"
        answer = client.post(path, data=form, headers={"X-Twilio-Signature": sign(path, form)})
        assert answer.status_code in (200, 204)
    finally:
        fake_twilio.release(accept=True)
        sending.join(timeout=30)

    waiting = _confirmation(on_whatsapp, record)
    assert waiting["status"] == "scheduled" and "63016" in waiting["reason"]
    _dispatch(now + timedelta(minutes=2), work)
    assert [m.to for m in fake_twilio.messages] == [f"whatsapp:{CUSTOMER_MOBILE}", CUSTOMER_MOBILE]
