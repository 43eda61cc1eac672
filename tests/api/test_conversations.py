"""/conversations: the shared inbox through the API (issue 9, point 1).

Customer texts arrive through the real, signed Twilio webhook; staff messages
leave through the real send job to the fake Twilio. Each test checks what the
API answers and what was stored, queued or sent.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import event, func, select

from bot.inbox_alarm import wake_snoozed
from bot.models import Author, Conversation, Message, User
from bot.services.businesses import create_api_key
from tests.support.api import ApiClient, assert_error
from tests.support.databases import BOTH_DATABASES
from tests.support.settings import SMS_FROM
from tests.support.webhooks import CUSTOMER_PHONE, MESSAGES_PATH, inbound_form, sign

UNKNOWN_PHONE = "+4917099887766"
POOL_SID = "MG" + "7" * 32
POOL_NUMBER = "+4930555123"

ITEM_FIELDS = {
    "id",
    "customer_id",
    "customer_name",
    "channel",
    "address",
    "status",
    "assignee_id",
    "unread_count",
    "last_activity_at",
    "snoozed_until",
    "handover_reason",
    "last_message",
}
MESSAGE_FIELDS = {"id", "direction", "author", "body", "status", "error", "created_at", "note"}

NOT_UNDERSTOOD = "A question or request the bot does not handle."
NO_APPOINTMENT = "Asked about an appointment, but none is coming up."
UNKNOWN_SENDER = "Unknown number: no customer has this address."


@pytest.fixture
def text_in(client):
    """A customer's SMS arriving at the signed Twilio webhook."""

    def send(body: str, *, sender: str = CUSTOMER_PHONE, to: str = SMS_FROM, **extra):
        form = inbound_form(body, sender=sender, to=to, **extra)
        response = client.post(
            MESSAGES_PATH, data=form, headers={"X-Twilio-Signature": sign(MESSAGES_PATH, form)}
        )
        assert response.status_code in (200, 204), response.get_data(as_text=True)
        return response

    return send


@pytest.fixture
def user_factory(db, business):
    def make(business=business, name="Mira", **data) -> User:
        user = User(
            business_id=business.id,
            email=data.pop("email", f"{name.lower()}.{business.id}@salon.test"),
            password_hash="not-a-real-hash",
            name=name,
            **data,
        )
        db.session.add(user)
        db.session.commit()
        return user

    return make


def conversation_id(db, address: str = CUSTOMER_PHONE) -> int:
    db.session.expire_all()
    return db.session.scalar(select(Conversation.id).where(Conversation.address == address))


def bot_replies(db) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Message).where(Message.author == Author.BOT)
    )


def messages_stored(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Message))


def item(api, conversation: int) -> dict:
    response = api.get(f"/conversations/{conversation}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def thread(api, conversation: int) -> list[dict]:
    response = api.get(f"/conversations/{conversation}/messages")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["items"]


def ids(response) -> list[int]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [row["id"] for row in response.get_json()["items"]]


def iso(moment: datetime) -> str:
    return moment.isoformat()


# --- the life cycle ----------------------------------------------------------------------


def test_a_hand_over_opens_the_conversation_with_its_reason_in_words(
    api, db, customer_factory, text_in
):
    customer = customer_factory()
    text_in("habt ihr Samstag noch was frei?")
    conversation = conversation_id(db)

    listed = api.get("/conversations").get_json()["items"]
    assert [row["id"] for row in listed] == [conversation]
    row = listed[0]
    assert set(row) == ITEM_FIELDS
    assert row["status"] == "open"
    assert row["handover_reason"] == NO_APPOINTMENT
    assert (row["customer_id"], row["customer_name"]) == (customer.id, "Ursula Hoffmann")
    assert (row["channel"], row["address"]) == ("sms", CUSTOMER_PHONE)
    assert row["unread_count"] == 1
    assert row["assignee_id"] is None and row["snoozed_until"] is None
    # The bot's "a staff member will get back to you" is the newest message.
    assert row["last_message"]["direction"] == "outbound"
    assert item(api, conversation) == row


def test_the_hand_over_reason_follows_accept_language(api, db, customer_factory, text_in):
    customer_factory()
    text_in("habt ihr Samstag noch was frei?")
    german = api.get("/conversations", headers={"Accept-Language": "de"}).get_json()
    assert german["items"][0]["handover_reason"] == (
        "Fragt nach einem Termin, hat aber keinen anstehenden."
    )


def test_an_unknown_number_opens_a_conversation_without_a_customer(api, db, text_in):
    text_in("Hallo, ich bin neu hier", sender=UNKNOWN_PHONE)
    row = item(api, conversation_id(db, UNKNOWN_PHONE))
    assert row["status"] == "open"
    assert row["handover_reason"] == UNKNOWN_SENDER
    assert (row["customer_id"], row["customer_name"]) == (None, None)
    assert row["address"] == UNKNOWN_PHONE


def test_a_conversation_the_bot_handles_stays_out_of_the_inbox(
    api, db, customer_factory, record_factory, text_in
):
    record_factory(customer_factory())
    text_in("Ja, passt")
    row = item(api, conversation_id(db))
    assert row["status"] == "bot"
    assert row["handover_reason"] is None
    assert bot_replies(db) == 1
    assert ids(api.get("/conversations?status=open")) == []


@BOTH_DATABASES
def test_the_life_cycle_from_hand_over_to_the_bot_again(
    api, db, customer_factory, record_factory, text_in
):
    record_factory(customer_factory())
    text_in("Wie lange habt ihr heute offen?")  # the bot hands over and says so
    conversation = conversation_id(db)
    assert item(api, conversation)["status"] == "open"
    assert bot_replies(db) == 1

    text_in("Hallo?")  # open: the bot stays quiet
    assert bot_replies(db) == 1
    assert item(api, conversation)["unread_count"] == 2

    answer = api.post(f"/conversations/{conversation}/messages", json={"body": "Bis 18 Uhr."})
    assert answer.status_code == 201, answer.get_data(as_text=True)
    row = item(api, conversation)
    assert (row["status"], row["unread_count"]) == ("pending", 0)

    text_in("Und morgen?")  # pending: the answer is staff's; the text opens it again
    assert bot_replies(db) == 1
    row = item(api, conversation)
    assert (row["status"], row["unread_count"]) == ("open", 1)

    snoozed = api.patch(f"/conversations/{conversation}", json={"status": "snoozed"})
    assert snoozed.get_json()["status"] == "snoozed"
    text_in("Hallo??")  # snoozed until the next text: it wakes, the bot stays quiet
    assert bot_replies(db) == 1
    assert item(api, conversation)["status"] == "open"

    patched = api.patch(f"/conversations/{conversation}", json={"status": "resolved"})
    assert patched.get_json()["status"] == "resolved"
    text_in("Ja, passt")  # resolved: the bot reads it again (and staff see it)
    assert bot_replies(db) == 2
    assert item(api, conversation)["status"] == "open"

    assert api.patch(f"/conversations/{conversation}", json={"status": "bot"}).status_code == 200
    text_in("Ja")  # handed back to the bot: it answers, nobody is needed
    assert bot_replies(db) == 3
    row = item(api, conversation)
    assert (row["status"], row["handover_reason"]) == ("bot", None)


def test_mark_read_clears_the_unread_count(api, db, text_in):
    text_in("Hallo", sender=UNKNOWN_PHONE)
    text_in("Noch jemand da?", sender=UNKNOWN_PHONE)
    conversation = conversation_id(db, UNKNOWN_PHONE)
    assert item(api, conversation)["unread_count"] == 2
    assert bot_replies(db) == 1  # "we do not know this number" once, not again while open

    response = api.post(f"/conversations/{conversation}/read")
    assert response.status_code == 200
    assert response.get_json()["unread_count"] == 0
    assert item(api, conversation)["unread_count"] == 0


# --- the thread, replies and notes --------------------------------------------------------


def test_the_thread_lists_every_message_oldest_first(api, db, customer_factory, text_in, work):
    customer_factory()
    text_in("habt ihr Samstag noch was frei?")
    conversation = conversation_id(db)
    api.post(f"/conversations/{conversation}/notes", json={"body": "Samstag ist voll."})
    api.post(f"/conversations/{conversation}/messages", json={"body": "Leider nein."})
    work()

    rows = thread(api, conversation)
    assert all(set(row) == MESSAGE_FIELDS for row in rows)
    assert [(row["direction"], row["author"], row["note"]) for row in rows] == [
        ("inbound", "customer", False),
        ("outbound", "bot", False),
        ("outbound", "staff", True),
        ("outbound", "staff", False),
    ]
    assert rows[0]["body"] == "habt ihr Samstag noch was frei?"
    assert rows[0]["status"] == "received"
    assert rows[2]["status"] == "note"
    assert rows[3]["status"] == "accepted"
    assert all(row["error"] is None for row in rows)
    assert [row["id"] for row in rows] == sorted(row["id"] for row in rows)
    newer = api.get(f"/conversations/{conversation}/messages?after_id={rows[1]['id']}")
    assert ids(newer) == [rows[2]["id"], rows[3]["id"]]
    first = api.get(f"/conversations/{conversation}/messages?limit=1").get_json()
    after_first = f"/conversations/{conversation}/messages?limit=1&cursor={first['next_cursor']}"
    assert ids(api.get(after_first)) == [rows[1]["id"]]


def test_a_failed_reply_shows_its_error_in_words(api, db, text_in, fake_twilio, work):
    text_in("Hallo", sender=UNKNOWN_PHONE)
    conversation = conversation_id(db, UNKNOWN_PHONE)
    work()  # the bot's reply
    fake_twilio.fail_next(400, code=21610)  # the number unsubscribed
    api.post(f"/conversations/{conversation}/messages", json={"body": "Wer ist da?"})
    work()

    failed = thread(api, conversation)[-1]
    assert failed["status"] == "failed"
    assert "opted out" in failed["error"]
    assert [row["error"] for row in thread(api, conversation)[:-1]] == [None, None]


def test_a_reply_goes_out_from_the_number_the_customer_wrote_to(
    api, db, business_factory, customer_factory, text_in, fake_twilio, work
):
    pool, _ = business_factory(
        name="Salon Pool", sms_from=None, messaging_service_sid=POOL_SID, sms_enabled=True
    )
    customer_factory(business=pool)
    text_in("habt ihr Samstag noch was frei?", to=POOL_NUMBER, MessagingServiceSid=POOL_SID)
    work()
    fake_twilio.messages.clear()
    key = create_api_key(db.session, pool)
    db.session.commit()
    pool_api = ApiClient(api.client, key, pool)
    conversation = conversation_id(db)

    response = pool_api.post(
        f"/conversations/{conversation}/messages", json={"body": "Ja, 10 Uhr."}
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert set(response.get_json()) == MESSAGE_FIELDS
    assert response.get_json()["status"] == "queued"
    assert fake_twilio.messages == []  # sent after the commit, by the worker
    work()

    [sent] = fake_twilio.messages
    assert (sent.params["From"], sent.to, sent.body) == (POOL_NUMBER, CUSTOMER_PHONE, "Ja, 10 Uhr.")
    assert "StatusCallback" in sent.params
    assert thread(pool_api, conversation)[-1]["status"] == "accepted"


def test_a_reply_on_the_business_number(api, db, customer_factory, text_in, fake_twilio, work):
    customer_factory()
    text_in("habt ihr Samstag noch was frei?")
    work()
    fake_twilio.messages.clear()
    conversation = conversation_id(db)
    api.post(f"/conversations/{conversation}/messages", json={"body": "Ja, um 10."})
    work()
    [sent] = fake_twilio.messages
    assert (sent.params["From"], sent.to) == (SMS_FROM, CUSTOMER_PHONE)


def test_a_note_is_never_sent(api, db, customer_factory, text_in, fake_twilio, work):
    customer_factory()
    text_in("habt ihr Samstag noch was frei?")
    work()
    fake_twilio.messages.clear()
    conversation = conversation_id(db)

    response = api.post(f"/conversations/{conversation}/notes", json={"body": "Kundin ruft an."})
    assert response.status_code == 201
    note = response.get_json()
    assert (note["note"], note["status"], note["author"]) == (True, "note", "staff")
    work()

    assert fake_twilio.messages == []
    listed = api.get("/messages").get_json()["items"]
    assert note["id"] not in [row["id"] for row in listed]
    assert thread(api, conversation)[-1]["id"] == note["id"]
    row = item(api, conversation)
    assert row["status"] == "open"  # a note changes nothing for the customer
    assert row["last_message"]["body"] == "Kundin ruft an."


# --- refusals: nothing stored, nothing sent -----------------------------------------------


def assert_reply_refused(api, db, fake_twilio, work, conversation, body, status, **expected):
    stored = messages_stored(db)
    response = api.post(f"/conversations/{conversation}/messages", json={"body": body})
    assert_error(response, status, **expected)
    work()
    assert fake_twilio.messages == []
    assert messages_stored(db) == stored
    assert item(api, conversation)["status"] == "open"


@pytest.fixture
def handed_over(db, customer_factory, text_in, fake_twilio, work):
    customer_factory()
    text_in("habt ihr Samstag noch was frei?")
    work()
    fake_twilio.messages.clear()
    return conversation_id(db)


def test_a_reply_to_an_opted_out_number_is_refused(
    api, db, handed_over, text_in, fake_twilio, work
):
    text_in("STOP", OptOutType="STOP")
    work()
    fake_twilio.messages.clear()
    assert_reply_refused(api, db, fake_twilio, work, handed_over, "Hallo?", 409, code="opted_out")


def test_a_reply_with_sms_switched_off_is_refused(
    api, db, business, handed_over, fake_twilio, work
):
    business.sms_enabled = False
    db.session.commit()
    assert_reply_refused(
        api, db, fake_twilio, work, handed_over, "Hallo?", 409, code="sms_disabled"
    )


@pytest.mark.parametrize("body", ["", "   \n ", "x" * 1601])
def test_an_empty_or_over_long_reply_is_refused(api, db, handed_over, fake_twilio, work, body):
    assert_reply_refused(api, db, fake_twilio, work, handed_over, body, 422, field="body")


def test_an_empty_note_is_refused(api, db, handed_over):
    stored = messages_stored(db)
    for body in ("", "  ", "x" * 4001):
        response = api.post(f"/conversations/{handed_over}/notes", json={"body": body})
        assert_error(response, 422, field="body")
    assert messages_stored(db) == stored


# --- snoozes ---------------------------------------------------------------------------


@BOTH_DATABASES
def test_a_snooze_ends_at_its_time_through_the_clock(api, db, handed_over):
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)
    response = api.patch(f"/conversations/{handed_over}", json={"snoozed_until": iso(until)})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["status"] == "snoozed"
    assert datetime.fromisoformat(response.get_json()["snoozed_until"]) == until
    assert ids(api.get("/conversations?status=snoozed")) == [handed_over]

    assert wake_snoozed(iso(until - timedelta(minutes=1))) == 0
    assert item(api, handed_over)["status"] == "snoozed"

    assert wake_snoozed(iso(until + timedelta(seconds=1))) == 1
    row = item(api, handed_over)
    assert (row["status"], row["snoozed_until"]) == ("open", None)
    assert wake_snoozed(iso(until + timedelta(seconds=2))) == 0


def test_the_snooze_job_on_the_clock_wakes_what_is_due(api, db, handed_over):
    api.patch(
        f"/conversations/{handed_over}",
        json={"snoozed_until": iso(datetime.now(UTC) + timedelta(minutes=5))},
    )
    row = db.session.get(Conversation, handed_over)
    row.snoozed_until = datetime.now(UTC) - timedelta(seconds=1)  # its time has come
    db.session.commit()
    assert wake_snoozed() == 1
    assert item(api, handed_over)["status"] == "open"


def test_a_snooze_time_in_any_offset_is_kept_in_utc_and_can_be_dropped(api, db, handed_over):
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=5)
    written = until.astimezone(timezone(timedelta(hours=2)))
    response = api.patch(f"/conversations/{handed_over}", json={"snoozed_until": iso(written)})
    assert response.get_json()["snoozed_until"] == iso(until)
    assert item(api, handed_over)["snoozed_until"] == iso(until)

    response = api.patch(f"/conversations/{handed_over}", json={"snoozed_until": None})
    assert (response.get_json()["status"], response.get_json()["snoozed_until"]) == (
        "snoozed",
        None,
    )
    assert wake_snoozed(iso(until + timedelta(days=1))) == 0


def test_a_snooze_ends_at_the_customers_reply(api, db, handed_over, text_in):
    until = datetime.now(UTC) + timedelta(days=7)
    api.patch(
        f"/conversations/{handed_over}", json={"status": "snoozed", "snoozed_until": iso(until)}
    )
    text_in("Hallo, noch was frei?")
    row = item(api, handed_over)
    assert (row["status"], row["snoozed_until"], row["unread_count"]) == ("open", None, 2)


# --- assignment ----------------------------------------------------------------------------


def test_assign_and_unassign(api, db, handed_over, user_factory):
    mira = user_factory()
    response = api.patch(f"/conversations/{handed_over}", json={"assignee_id": mira.id})
    assert response.get_json()["assignee_id"] == mira.id
    assert response.get_json()["status"] == "open"
    response = api.patch(f"/conversations/{handed_over}", json={"assignee_id": None})
    assert response.get_json()["assignee_id"] is None


# --- filters and search -----------------------------------------------------------------------


@pytest.fixture
def inbox(api, db, customer_factory, text_in, user_factory):
    """Four conversations: Ursula (open, Mira's), Jonas (pending), an unknown number
    (snoozed) and Petra on WhatsApp (open, nobody's); newest activity last."""
    mira = user_factory()
    ursula = customer_factory()
    jonas = customer_factory(name="Jonas Becker", phone="+4915798765432")
    petra = customer_factory(name="Petra_Lang", phone="+4916011122233")
    text_in("Geht auch 50% früher?")
    text_in("Wo parke ich am besten?", sender=jonas.phone)
    text_in("Hallo wer da", sender=UNKNOWN_PHONE)
    text_in("Frage zum Termin", sender="whatsapp:" + petra.phone, to="whatsapp:+4930555010")
    rows = {
        "ursula": conversation_id(db),
        "jonas": conversation_id(db, jonas.phone),
        "unknown": conversation_id(db, UNKNOWN_PHONE),
        "petra": conversation_id(db, "whatsapp:" + petra.phone),
    }
    api.patch(f"/conversations/{rows['ursula']}", json={"assignee_id": mira.id})
    api.post(f"/conversations/{rows['jonas']}/messages", json={"body": "Im Hof."})
    api.patch(f"/conversations/{rows['unknown']}", json={"status": "snoozed"})
    return rows, mira, (ursula, jonas, petra)


@pytest.fixture
def whatsapp_business(db, business):
    business.whatsapp_from = "+4930555010"
    db.session.commit()
    return business


def test_the_list_is_newest_activity_first(api, db, whatsapp_business, inbox):
    rows, *_ = inbox
    listed = ids(api.get("/conversations"))
    assert set(listed) == set(rows.values())
    times = [row["last_activity_at"] for row in api.get("/conversations").get_json()["items"]]
    assert times == sorted(times, reverse=True)
    assert ids(api.get("/conversations?limit=2")) == listed[:2]
    after_two = api.get("/conversations?limit=2").get_json()["next_cursor"]
    assert ids(api.get(f"/conversations?limit=2&cursor={after_two}")) == listed[2:]


@BOTH_DATABASES
def test_filters(api, db, whatsapp_business, inbox):
    rows, mira, (ursula, jonas, petra) = inbox
    assert set(ids(api.get("/conversations?status=open"))) == {rows["ursula"], rows["petra"]}
    assert ids(api.get("/conversations?status=pending")) == [rows["jonas"]]
    assert ids(api.get("/conversations?status=snoozed")) == [rows["unknown"]]
    assert ids(api.get("/conversations?status=resolved")) == []
    assert ids(api.get("/conversations?status=bot")) == []
    assert ids(api.get(f"/conversations?assignee_id={mira.id}")) == [rows["ursula"]]
    unassigned = {rows["jonas"], rows["unknown"], rows["petra"]}
    assert set(ids(api.get("/conversations?assignee_id=none"))) == unassigned
    assert ids(api.get("/conversations?channel=whatsapp")) == [rows["petra"]]
    assert len(ids(api.get("/conversations?channel=sms"))) == 3
    assert ids(api.get(f"/conversations?customer_id={jonas.id}")) == [rows["jonas"]]
    both = api.get(f"/conversations?status=open&assignee_id=none&customer_id={ursula.id}")
    assert ids(both) == []


@BOTH_DATABASES
@pytest.mark.parametrize(
    ("q", "who"),
    [
        ("hoffmann", {"ursula"}),  # name, any case
        ("Jonas Beck", {"jonas"}),
        ("0151 1234", {"ursula"}),  # the number as people write it
        ("+49 157 987", {"jonas"}),
        ("99887766", {"unknown"}),
        ("parke", {"jonas"}),  # the customer's text
        ("im hof", {"jonas"}),  # the staff message
        ("%", {"ursula"}),  # literal: only "50%"
        ("_", {"petra"}),  # literal: only "Petra_Lang"
        ("50%", {"ursula"}),
        ("nichts davon", set()),
    ],
)
def test_search(api, db, whatsapp_business, inbox, q, who):
    rows, *_ = inbox
    found = set(ids(api.get("/conversations", query_string={"q": q})))
    assert found == {rows[name] for name in who}


# --- other businesses and bad input -------------------------------------------------------------


def test_another_business_conversation_is_not_found_on_every_route(
    api, other_api, db, handed_over, fake_twilio, work
):
    stored = messages_stored(db)
    path = f"/conversations/{handed_over}"
    answers = [
        other_api.get(path),
        other_api.patch(path, json={"status": "resolved"}),
        other_api.get(path + "/messages"),
        other_api.post(path + "/messages", json={"body": "Hallo"}),
        other_api.post(path + "/notes", json={"body": "Notiz"}),
        other_api.post(path + "/read"),
    ]
    for response in answers:
        assert_error(response, 404, code="not_found")
    assert ids(other_api.get("/conversations")) == []
    assert ids(other_api.get(f"/conversations?q={CUSTOMER_PHONE[1:]}")) == []
    work()
    assert fake_twilio.messages == []
    assert messages_stored(db) == stored
    row = item(api, handed_over)
    assert (row["status"], row["unread_count"]) == ("open", 1)
    assert_error(api.get("/conversations/2147483647"), 404, code="not_found")


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"status": "closed"}, "status", None),
        ({"status": None}, "status", "null"),
        ({"snoozed_until": "2020-01-01T09:00:00+00:00"}, "snoozed_until", None),
        ({"snoozed_until": "2099-01-01T09:00:00"}, "snoozed_until", None),
        ({"snoozed_until": "morgen"}, "snoozed_until", None),
        ({"status": "open", "snoozed_until": "2099-01-01T09:00:00+00:00"}, "snoozed_until", None),
        ({"assignee_id": "1"}, "assignee_id", None),
        ({"assignee_id": 0}, "assignee_id", None),
        ({"colour": "red"}, "colour", "unknown_field"),
    ],
)
def test_a_bad_change_is_refused_and_changes_nothing(api, db, handed_over, body, field, code):
    before = item(api, handed_over)
    assert_error(api.patch(f"/conversations/{handed_over}", json=body), 422, field=field, code=code)
    assert item(api, handed_over) == before


def test_an_assignee_of_another_business_is_refused(api, other_api, db, handed_over, user_factory):
    stranger = user_factory(business=other_api.business, name="Kai")
    response = api.patch(f"/conversations/{handed_over}", json={"assignee_id": stranger.id})
    assert_error(response, 422, field="assignee_id")
    assert item(api, handed_over)["assignee_id"] is None


def test_bad_bodies_and_filters_are_refused_in_the_error_shape(api, db, handed_over):
    path = f"/conversations/{handed_over}"
    assert_error(api.post(path + "/messages", json={}), 422, code="required", field="body")
    assert_error(api.post(path + "/messages", json={"body": 7}), 422, field="body")
    assert_error(
        api.post(path + "/messages", json={"body": "x", "to": "+491"}),
        422,
        code="unknown_field",
        field="to",
    )
    assert_error(api.post(path + "/notes", data="body=x"), 415)
    assert_error(api.post(path + "/messages", data="{", content_type="application/json"), 400)
    assert_error(api.get("/conversations?status=closed"), 422, field="status")
    assert_error(api.get("/conversations?assignee_id=nobody"), 422, field="assignee_id")
    assert_error(api.get("/conversations?channel=fax"), 422, field="channel")
    assert_error(api.get("/conversations?customer_id=x"), 422, field="customer_id")
    assert_error(api.get("/conversations?colour=red"), 422, field="colour")
    assert_error(api.get("/conversations?q=a%0Ab"), 422, field="q")
    assert_error(api.get(path + "/messages?after_id=-1"), 422, field="after_id")
    assert_error(api.client.get("/api/v1/conversations"), 401)


def test_a_page_costs_the_same_queries_for_one_conversation_or_many(
    api, db, customer_factory, text_in
):
    def statements_for_the_list() -> int:
        seen = []

        def listener(conn, cursor, statement, *args):
            if statement.startswith("SELECT"):  # the key's last_used_at is written now and then
                seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert api.get("/conversations").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    customer_factory()
    text_in("habt ihr Samstag noch was frei?")
    one = statements_for_the_list()
    for n in range(5):
        phone = f"+491510000002{n}"
        customer_factory(name=f"Kundin {n}", phone=phone)
        text_in("Frage", sender=phone)
    assert len(ids(api.get("/conversations"))) == 6
    assert statements_for_the_list() == one
