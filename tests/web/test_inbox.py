"""The web inbox through the Flask test client: the list, the thread, every action
as a plain form without JavaScript, refusals in words with the text kept, CSRF,
another business's conversations, escaping of customer text, the live-update
feed and fragments, and the German and Dutch pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bot.config import webhook_auth_token
from bot.extensions import db as _db
from bot.models import (
    AddressKind,
    CannedReply,
    ContactAddress,
    Conversation,
    Direction,
    InboxStatus,
    Message,
    Notification,
    Record,
    User,
)
from bot.services.commands import CustomerChanges
from bot.web.inbox import snooze_until_next_week, snooze_until_tomorrow
from bot.web.simulator import twilio_inbound_form
from outbound.policy.vocabulary import MessageStatus
from tests.support.databases import BOTH_DATABASES
from tests.support.settings import PUBLIC_BASE_URL, SMS_FROM, TWILIO_SID
from tests.support.web import STAFF_PASSWORD, add_user

UNKNOWN = "+4917600000001"
XSS = "<script>window.__pwned=1</script><img src=x onerror=window.__pwned=2>"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def app_config(app_config):
    """Real Twilio (the fake one over HTTP), so a reply can be seen leaving."""
    return {**app_config, "SMS_TRANSPORT": "twilio"}


@pytest.fixture
def staff(db, business) -> User:
    """The salon's user, who reads the web app in English (the salon's own is German)."""
    user = add_user(db.session, business)
    user.locale = "en"
    db.session.commit()
    return user


def text_in(app, client, sender: str, body: str, to: str = SMS_FROM) -> None:
    """A customer's SMS, posted to the real inbound webhook as Twilio signs it."""
    form = twilio_inbound_form(account_sid=TWILIO_SID, sender=sender, to=to, body=body)
    url = PUBLIC_BASE_URL + "/webhooks/twilio/messages"
    signature = RequestValidator(webhook_auth_token(app.config)).compute_signature(url, form)
    response = client.post(
        "/webhooks/twilio/messages", data=form, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 200


def conversation_of(address: str) -> Conversation:
    return _db.session.scalar(select(Conversation).where(Conversation.address == address))


@pytest.fixture
def unknown(app, db, logged_in):
    """An open conversation: a text from a number no customer has."""
    text_in(app, logged_in, UNKNOWN, "Habt ihr Samstag noch was frei?")
    found = conversation_of(UNKNOWN)
    assert found.inbox_status == InboxStatus.OPEN
    return found


def page(response) -> str:
    return response.get_data(as_text=True)


# --- the list and the thread ------------------------------------------------------


def test_a_text_from_an_unknown_number_is_open_unread_with_the_reason(logged_in, unknown):
    text = page(logged_in.get("/inbox"))
    assert UNKNOWN in text
    assert '<span class="inbox-excerpt">' in text  # the bot's answer, the newest message
    assert "Unknown number: no customer has this address." in text
    row = re.search(r'<li class="inbox-row unread"[^>]*data-id="(\d+)"', text)
    assert row and int(row.group(1)) == unknown.id
    assert '<span class="visually-hidden">unread</span>' in text
    assert re.search(r"Open <span class=\"count\">1</span>", text)
    assert re.search(r"Unassigned <span class=\"count\">1</span>", text)
    assert re.search(r"Resolved <span class=\"count\">0</span>", text)


def test_the_search_finds_by_text_and_number(logged_in, unknown, app):
    text_in(app, logged_in, "+4917600000002", "Ganz anderes Thema")
    found = page(logged_in.get("/inbox", query_string={"q": "Samstag"}))
    assert UNKNOWN in found and "+4917600000002" not in found
    by_number = page(logged_in.get("/inbox", query_string={"q": "0176 00000002"}))
    assert "+4917600000002" in by_number and UNKNOWN not in by_number


def test_opening_the_thread_marks_it_read_and_shows_who_wrote_what(db, logged_in, unknown):
    assert unknown.unread_count > 0
    text = page(logged_in.get(f"/inbox/{unknown.id}"))
    db.session.refresh(unknown)
    assert unknown.unread_count == 0
    assert "Habt ihr Samstag noch was frei?" in text
    assert "Unknown number: no customer has the address" in text
    assert 'class="msg msg-customer msg-in"' in text
    assert 'class="msg msg-bot msg-out"' in text  # the honest "someone will get back to you"
    assert 'name="csrf_token"' in text and 'id="reply-body"' in text


def test_the_thread_shows_a_failed_message_with_its_error(db, logged_in, unknown):
    db.session.add(
        Message(
            business_id=unknown.business_id,
            conversation_id=unknown.id,
            direction=Direction.OUTBOUND,
            channel=unknown.channel,
            from_address=SMS_FROM,
            to_address=UNKNOWN,
            body="Geht’s Samstag um 10 Uhr?",
            status=MessageStatus.FAILED,
            error_message="The number is not reachable (Twilio 30003).",
            author="staff",
        )
    )
    db.session.commit()
    text = page(logged_in.get(f"/inbox/{unknown.id}"))
    assert "The number is not reachable (Twilio 30003)." in text
    assert 'class="msg-status msg-status-failed">failed' in text
    # The server's own count for a stored SMS: "’" forces UCS-2.
    assert "1 SMS · UCS-2" in text


def test_a_logged_out_visitor_is_sent_to_the_login(client, unknown):
    client.post("/logout")
    for path in ("/inbox", f"/inbox/{unknown.id}", "/inbox/canned-replies", "/inbox/updates"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.post(f"/inbox/{unknown.id}/reply", data={"body": "hallo"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_after_login_the_inbox_is_the_first_page(logged_in):
    assert logged_in.get("/").headers["Location"] == "/inbox"
    nav = page(logged_in.get("/inbox"))
    assert re.search(r'<a href="/inbox" class="current">Inbox</a>', nav)
    assert 'href="/setup"' in nav


# --- actions without JavaScript ---------------------------------------------------


def test_a_reply_goes_out_from_the_number_the_customer_wrote_to(
    db, logged_in, unknown, work, fake_twilio, staff
):
    response = logged_in.post(f"/inbox/{unknown.id}/reply", data={"body": "Ja, um 10 Uhr!"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/inbox/{unknown.id}"
    db.session.refresh(unknown)
    assert unknown.inbox_status == InboxStatus.PENDING
    assert unknown.assignee_id == staff.id  # answering an unassigned one takes it
    work()
    [sent] = [m for m in fake_twilio.messages if m.body == "Ja, um 10 Uhr!"]
    assert (sent.sender, sent.to) == (SMS_FROM, UNKNOWN)
    text = page(logged_in.get(f"/inbox/{unknown.id}"))
    assert "Reply queued" in text and "Anna" in text


def test_a_refused_reply_says_why_and_keeps_the_text(db, logged_in, unknown, business, fake_twilio):
    business.sms_enabled = False
    db.session.commit()
    response = logged_in.post(f"/inbox/{unknown.id}/reply", data={"body": "Bis Samstag"})
    assert response.status_code == 409
    text = page(response)
    assert "SMS is switched off for this business. Nothing was sent." in text
    assert ">Bis Samstag</textarea>" in text
    assert db.session.scalar(select(Message).where(Message.body == "Bis Samstag")) is None


def test_a_reply_to_an_opted_out_number_is_refused(db, logged_in, unknown, business):
    db.session.add(
        ContactAddress(
            business_id=business.id,
            customer_id=_customer_for(db, business).id,
            kind=AddressKind.TEL,
            value=UNKNOWN,
            opted_out_at=datetime.now(UTC),
        )
    )
    db.session.commit()
    response = logged_in.post(f"/inbox/{unknown.id}/reply", data={"body": "Hallo?"})
    assert response.status_code == 409
    assert "opted out of this channel" in page(response)
    assert ">Hallo?</textarea>" in page(response)


def _customer_for(db, business):
    from bot.services.customers import create_customer

    customer = create_customer(db.session, business, CustomerChanges(name="Somebody", phone=None))
    db.session.flush()
    return customer


@pytest.mark.parametrize(
    ("body", "words"),
    [("   ", "Type a text first."), ("x" * 1601, "The text has 1601 characters; at most 1600")],
)
def test_an_empty_or_too_long_reply_is_refused_in_words(db, logged_in, unknown, body, words):
    response = logged_in.post(f"/inbox/{unknown.id}/reply", data={"body": body})
    assert response.status_code == 422
    assert words in page(response)
    if body.strip():
        assert body in page(response)
    assert db.session.scalar(select(Message).where(Message.author == "staff")) is None


def test_a_note_is_kept_and_never_sent(db, logged_in, unknown, work, fake_twilio):
    response = logged_in.post(f"/inbox/{unknown.id}/notes", data={"body": "Stammkundin, anrufen"})
    assert response.status_code == 302
    work()
    assert all(m.body != "Stammkundin, anrufen" for m in fake_twilio.messages)
    note = db.session.scalar(select(Message).where(Message.note.is_(True)))
    assert note.body == "Stammkundin, anrufen" and note.status == MessageStatus.NOTE
    text = page(logged_in.get(f"/inbox/{unknown.id}"))
    assert "msg-note" in text and "Private note" in text


def test_assign_to_me_to_a_colleague_and_to_nobody(db, logged_in, unknown, staff, business):
    colleague = add_user(db.session, business, email="ben@salon.test")
    colleague.name = "Ben"
    db.session.commit()
    logged_in.post(f"/inbox/{unknown.id}/assign", data={"assignee": "me"})
    db.session.refresh(unknown)
    assert unknown.assignee_id == staff.id
    mine = page(logged_in.get("/inbox", query_string={"view": "mine"}))
    assert UNKNOWN in mine
    response = logged_in.post(
        f"/inbox/{unknown.id}/assign", data={"assignee": str(colleague.id)}, follow_redirects=True
    )
    assert "Assigned to Ben." in page(response)
    db.session.refresh(unknown)
    assert unknown.assignee_id == colleague.id
    logged_in.post(f"/inbox/{unknown.id}/assign", data={"assignee": "none"})
    db.session.refresh(unknown)
    assert unknown.assignee_id is None


def test_assigning_another_business_user_is_refused(db, logged_in, unknown, business_factory):
    other, _ = business_factory(name="Other Salon", sms_from="+4930555011")
    stranger = add_user(db.session, other, email="eve@other.test")
    response = logged_in.post(f"/inbox/{unknown.id}/assign", data={"assignee": str(stranger.id)})
    assert response.status_code == 422
    db.session.refresh(unknown)
    assert unknown.assignee_id is None


def test_resolve_reopen_and_hand_back_to_the_bot(db, logged_in, unknown):
    response = logged_in.post(
        f"/inbox/{unknown.id}/status", data={"status": "resolved", "next": "/inbox?view=open"}
    )
    assert response.headers["Location"] == "/inbox?view=open"
    db.session.refresh(unknown)
    assert unknown.inbox_status == InboxStatus.RESOLVED
    logged_in.post(f"/inbox/{unknown.id}/status", data={"status": "open"})
    db.session.refresh(unknown)
    assert unknown.inbox_status == InboxStatus.OPEN
    logged_in.post(f"/inbox/{unknown.id}/status", data={"status": "bot"})
    db.session.refresh(unknown)
    assert unknown.inbox_status == InboxStatus.BOT
    # Elsewhere than the inbox is no place to go back to.
    response = logged_in.post(
        f"/inbox/{unknown.id}/status", data={"status": "open", "next": "https://evil.test/"}
    )
    assert response.headers["Location"] == f"/inbox/{unknown.id}"
    assert logged_in.post(f"/inbox/{unknown.id}/status", data={"status": "x"}).status_code == 400


@pytest.mark.parametrize("choice", ["tomorrow", "next_week", "next_reply", "at"])
def test_snooze(db, logged_in, unknown, choice):
    zone = ZoneInfo("Europe/Berlin")
    at = (datetime.now(zone) + timedelta(days=3)).replace(second=0, microsecond=0)
    data = {"until": choice, "at": at.strftime("%Y-%m-%dT%H:%M")}
    response = logged_in.post(f"/inbox/{unknown.id}/snooze", data=data)
    assert response.status_code == 302
    db.session.refresh(unknown)
    assert unknown.inbox_status == InboxStatus.SNOOZED
    until = unknown.snoozed_until
    if choice == "next_reply":
        assert until is None
    elif choice == "at":
        assert until == at.astimezone(UTC)
    else:
        local = until.astimezone(zone)
        assert (local.hour, local.minute) == (8, 0)
        if choice == "next_week":
            assert local.weekday() == 0
    assert UNKNOWN in page(logged_in.get("/inbox", query_string={"view": "snoozed"}))


def test_a_snooze_into_the_past_is_refused(db, logged_in, unknown):
    response = logged_in.post(
        f"/inbox/{unknown.id}/snooze", data={"until": "at", "at": "2020-01-01T08:00"}
    )
    assert response.status_code == 422
    assert "Pick a time in the future" in page(response)
    db.session.refresh(unknown)
    assert unknown.inbox_status == InboxStatus.OPEN


def test_snooze_times_are_business_mornings():
    zone = ZoneInfo("Europe/Berlin")
    friday_night = datetime(2026, 12, 4, 22, 30, tzinfo=UTC)  # Friday 23:30 in Berlin
    assert snooze_until_tomorrow(friday_night, zone) == datetime(2026, 12, 5, 8, tzinfo=zone)
    assert snooze_until_next_week(friday_night, zone) == datetime(2026, 12, 7, 8, tzinfo=zone)
    monday = datetime(2026, 12, 7, 6, tzinfo=UTC)
    assert snooze_until_next_week(monday, zone) == datetime(2026, 12, 14, 8, tzinfo=zone)


# --- the customer beside the thread -----------------------------------------------


@pytest.fixture
def known(app, db, logged_in, customer_factory, record_factory, work):
    """A customer with an appointment who asked something the bot does not handle."""
    customer = customer_factory()
    record = record_factory(customer)
    work()
    text_in(app, logged_in, customer.phone, "Kann ich meinen Hund mitbringen?")
    found = conversation_of(customer.phone)
    assert found.inbox_status == InboxStatus.OPEN
    return found, record


def test_the_customer_panel_shows_consents_appointments_and_notices(logged_in, known):
    found, record = known
    text = page(logged_in.get(f"/inbox/{found.id}"))
    assert "Ursula Hoffmann" in text
    assert "A question or request the bot does not handle." in text
    assert "Upcoming appointments" in text
    assert f"/inbox/{found.id}/appointments/{record.id}" in text
    assert "confirmation" in text  # the booking confirmation, sent
    assert "reachable" in text


@pytest.mark.parametrize("notify", [True, False])
def test_move_an_appointment_telling_the_customer_or_not(db, logged_in, known, notify):
    found, record = known
    before = db.session.scalar(select(Notification.id).order_by(Notification.id.desc()))
    new_time = (datetime.now(ZoneInfo("Europe/Berlin")) + timedelta(days=5)).replace(
        hour=14, minute=0, second=0, microsecond=0
    )
    data = {"action": "move", "starts_at": new_time.strftime("%Y-%m-%dT%H:%M")}
    if notify:
        data["notify"] = "1"
    response = logged_in.post(
        f"/inbox/{found.id}/appointments/{record.id}", data=data, follow_redirects=True
    )
    assert "Appointment moved to" in page(response)
    db.session.refresh(record)
    assert record.starts_at == new_time.astimezone(UTC)
    notices = db.session.scalars(
        select(Notification.notice).where(
            Notification.id > before, Notification.audience == "customer"
        )
    ).all()
    assert ("change" in notices) is notify


def test_cancel_an_appointment_without_telling_the_customer(db, logged_in, known):
    found, record = known
    response = logged_in.post(
        f"/inbox/{found.id}/appointments/{record.id}", data={"action": "cancel"}
    )
    assert response.status_code == 302
    db.session.refresh(record)
    assert record.status == "cancelled"
    assert "cancellation" not in db.session.scalars(select(Notification.notice)).all()


def test_confirm_a_requested_appointment(db, logged_in, known, record_factory):
    found, record = known
    request_ = record_factory(record.customer, status="pending", source="online")
    response = logged_in.post(
        f"/inbox/{found.id}/appointments/{request_.id}", data={"action": "confirm", "notify": "1"}
    )
    assert response.status_code == 302
    db.session.refresh(request_)
    assert request_.status == "confirmed"


@pytest.mark.parametrize(
    ("status", "action"),
    [("cancelled", "cancel"), ("rejected", "confirm"), ("completed", "confirm")],
)
def test_only_the_moves_the_records_page_allows_are_made_here(
    db, logged_in, known, record_factory, status, action
):
    found, record = known
    done = record_factory(record.customer, status=status)
    shown = page(logged_in.get(f"/inbox/{found.id}"))
    assert f'/appointments/{done.id}"' not in shown  # not offered: not upcoming and on
    response = logged_in.post(
        f"/inbox/{found.id}/appointments/{done.id}", data={"action": action, "notify": "1"}
    )
    assert response.status_code == 409
    refused = page(response)
    assert "Nothing was changed:" in refused
    if action == "confirm":
        words = {"rejected": "declined", "completed": "completed"}[status]
        assert f"This appointment is {words} and cannot be confirmed now." in refused
    else:
        assert "This record cannot be cancelled now." in refused
    db.session.refresh(done)
    assert done.status == status


def test_a_move_to_a_time_the_clocks_skip_is_refused(db, logged_in, known):
    found, record = known
    before = record.starts_at
    response = logged_in.post(
        f"/inbox/{found.id}/appointments/{record.id}",
        data={"action": "move", "starts_at": "2027-03-28T02:30", "notify": "1"},
    )
    assert response.status_code == 422
    assert "This time does not exist on that day: the clocks go forward." in page(response)
    db.session.refresh(record)
    assert record.starts_at == before


def test_the_flash_says_what_the_move_planned_for_the_customer(db, logged_in, known, business):
    found, record = known
    new_time = (datetime.now(ZoneInfo("Europe/Berlin")) + timedelta(days=6)).replace(
        hour=15, minute=30, second=0, microsecond=0
    )
    data = {"action": "move", "starts_at": new_time.strftime("%Y-%m-%dT%H:%M"), "notify": "1"}
    moved = page(
        logged_in.post(
            f"/inbox/{found.id}/appointments/{record.id}", data=data, follow_redirects=True
        )
    )
    when = f"{new_time:%b} {new_time.day}, {new_time:%Y} 15:30"  # English, 24-hour clock
    assert f"Appointment moved to {when}. The customer is told. They get: change (SMS)" in moved

    # Cancelled without a notice planned for the customer: the flash does not say "told".
    business.sms_enabled = False
    db.session.commit()
    cancelled = page(
        logged_in.post(
            f"/inbox/{found.id}/appointments/{record.id}",
            data={"action": "cancel", "notify": "1"},
            follow_redirects=True,
        )
    )
    assert "Appointment cancelled. No message goes to the customer for this change." in cancelled
    assert "is told" not in cancelled


def test_an_appointment_of_another_customer_is_not_found(db, logged_in, known, unknown):
    found, record = known
    response = logged_in.post(
        f"/inbox/{unknown.id}/appointments/{record.id}", data={"action": "cancel"}
    )
    assert response.status_code == 404
    assert db.session.get(Record, record.id).status == "confirmed"


# --- canned replies -----------------------------------------------------------------


def test_canned_replies_add_list_insertable_and_delete(db, logged_in, unknown, business):
    response = logged_in.post(
        "/inbox/canned-replies",
        data={"title": "Öffnungszeiten", "body": "Wir haben Mo–Fr 9–18 Uhr geöffnet."},
    )
    assert response.status_code == 302
    assert "Wir haben Mo–Fr 9–18 Uhr geöffnet." in page(logged_in.get("/inbox/canned-replies"))
    thread = page(logged_in.get(f"/inbox/{unknown.id}"))
    assert 'data-canned="Wir haben Mo–Fr 9–18 Uhr geöffnet."' in thread
    twice = logged_in.post(
        "/inbox/canned-replies", data={"title": "Öffnungszeiten", "body": "anders"}
    )
    assert twice.status_code == 422
    assert "already a canned reply with this title" in page(twice)
    empty = logged_in.post("/inbox/canned-replies", data={"title": "", "body": "x"})
    assert empty.status_code == 422
    row = db.session.scalar(select(CannedReply))
    assert logged_in.post(f"/inbox/canned-replies/{row.id}/delete").status_code == 302
    assert db.session.scalar(select(CannedReply)) is None


# --- other businesses, CSRF, escaping ------------------------------------------------


def test_another_business_user_gets_404_for_the_thread_and_actions(
    app, db, client, unknown, business_factory
):
    other, _ = business_factory(name="Other Salon", sms_from="+4930555011")
    add_user(db.session, other, email="eve@other.test")
    client.post("/logout")
    assert (
        client.post(
            "/login", data={"email": "eve@other.test", "password": STAFF_PASSWORD}
        ).status_code
        == 302
    )
    assert UNKNOWN not in page(client.get("/inbox"))
    assert UNKNOWN not in page(client.get("/inbox", query_string={"q": "Samstag"}))
    cid = unknown.id
    assert client.get(f"/inbox/{cid}").status_code == 404
    assert client.get(f"/inbox/{cid}/fragments/thread").status_code == 404
    assert client.get("/inbox/updates", query_string={"conversation": cid}).status_code == 404
    for action, data in [
        ("reply", {"body": "hi"}),
        ("notes", {"body": "hi"}),
        ("assign", {"assignee": "me"}),
        ("status", {"status": "resolved"}),
        ("snooze", {"until": "tomorrow"}),
    ]:
        assert client.post(f"/inbox/{cid}/{action}", data=data).status_code == 404
    db.session.refresh(unknown)
    assert unknown.inbox_status == InboxStatus.OPEN and unknown.assignee_id is None
    assert db.session.scalar(select(Message).where(Message.author == "staff")) is None
    canned = CannedReply(business_id=unknown.business_id, title="t", body="b")
    db.session.add(canned)
    db.session.commit()
    assert client.post(f"/inbox/canned-replies/{canned.id}/delete").status_code == 404
    assert "Other Salon" in page(client.get("/inbox/canned-replies"))


def test_customer_text_is_escaped_in_the_list_thread_and_fragments(
    app, db, logged_in, customer_factory
):
    customer = customer_factory()
    text_in(app, logged_in, customer.phone, "Kann ich meinen Hund mitbringen?")
    text_in(app, logged_in, customer.phone, XSS)  # the bot stays quiet: the newest message
    found = conversation_of(customer.phone)
    assert found.inbox_status == InboxStatus.OPEN
    for path in (
        "/inbox",
        "/inbox/fragments/list",
        f"/inbox/{found.id}",
        f"/inbox/{found.id}/fragments/thread",
    ):
        text = page(logged_in.get(path))
        assert "<script>window.__pwned" not in text and "<img src=x" not in text
        assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in text


class TestCsrf:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "WTF_CSRF_ENABLED": True}

    def test_actions_need_the_csrf_token(self, app, db, client, staff, business):
        login_page = page(client.get("/login"))
        [token] = CSRF_FIELD.findall(login_page)
        response = client.post(
            "/login",
            data={"email": staff.email, "password": STAFF_PASSWORD, "csrf_token": token},
        )
        assert response.status_code == 302
        found = Conversation(business_id=business.id, channel="sms", address=UNKNOWN)
        found.inbox_status = InboxStatus.OPEN
        db.session.add(found)
        db.session.commit()
        for action, data in [
            ("notes", {"body": "ohne Token"}),
            ("status", {"status": "resolved"}),
            ("assign", {"assignee": "me"}),
            ("snooze", {"until": "tomorrow"}),
        ]:
            assert client.post(f"/inbox/{found.id}/{action}", data=data).status_code == 400
        canned = client.post("/inbox/canned-replies", data={"title": "a", "body": "b"})
        assert canned.status_code == 400
        db.session.refresh(found)
        assert found.inbox_status == InboxStatus.OPEN
        assert db.session.scalar(select(Message)) is None

        [token] = set(CSRF_FIELD.findall(page(client.get(f"/inbox/{found.id}"))))
        response = client.post(
            f"/inbox/{found.id}/notes", data={"body": "mit Token", "csrf_token": token}
        )
        assert response.status_code == 302
        assert db.session.scalar(select(Message)).body == "mit Token"


# --- the live feed ---------------------------------------------------------------------


def test_the_updates_feed_says_what_changed(app, db, logged_in, unknown):
    first = logged_in.get("/inbox/updates").json
    assert first["list"] is True and first["thread"] is False  # nothing seen yet
    same = logged_in.get("/inbox/updates", query_string={"since": first["cursor"]}).json
    assert same["list"] is False
    text_in(app, logged_in, "+4917600000002", "Neue Frage")
    changed = logged_in.get("/inbox/updates", query_string={"since": first["cursor"]}).json
    assert changed["list"] is True

    seen = logged_in.get("/inbox/updates", query_string={"conversation": unknown.id}).json
    quiet = logged_in.get(
        "/inbox/updates", query_string={"conversation": unknown.id, "since": seen["cursor"]}
    ).json
    assert quiet["thread"] is False
    text_in(app, logged_in, UNKNOWN, "Hallo?")
    moved = logged_in.get(
        "/inbox/updates", query_string={"conversation": unknown.id, "since": seen["cursor"]}
    ).json
    assert moved["thread"] is True
    fragment = page(logged_in.get(f"/inbox/{unknown.id}/fragments/thread"))
    assert "Hallo?" in fragment and "<html" not in fragment
    rows = page(logged_in.get("/inbox/fragments/list"))
    assert "+4917600000002" in rows and "<html" not in rows


def test_a_delivery_status_change_moves_the_thread_cursor(db, logged_in, unknown):
    seen = logged_in.get("/inbox/updates", query_string={"conversation": unknown.id}).json
    bot_reply = db.session.scalar(
        select(Message).where(Message.conversation_id == unknown.id, Message.author == "bot")
    )
    bot_reply.status = MessageStatus.DELIVERED
    db.session.commit()
    after = logged_in.get(
        "/inbox/updates", query_string={"conversation": unknown.id, "since": seen["cursor"]}
    ).json
    assert after["thread"] is True


# --- languages ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        ("de", ["Posteingang", "Offen", "Unbekannte Nummer", "Antworten an", "Schlummern"]),
        ("nl", ["Inbox", "Open", "Onbekend nummer", "Antwoord aan", "Snoozen"]),
    ],
)
def test_the_inbox_speaks_german_and_dutch(db, logged_in, unknown, staff, locale, words):
    staff.locale = locale
    db.session.commit()
    listed = page(logged_in.get("/inbox"))
    thread = page(logged_in.get(f"/inbox/{unknown.id}"))
    for word in words:
        assert word in listed + thread, word
    assert "Resolve" not in listed


def test_users_of_a_business_only_see_its_colleagues(db, logged_in, unknown, business_factory):
    other, _ = business_factory(name="Other Salon", sms_from="+4930555011")
    add_user(db.session, other, email="eve@other.test")
    assert "eve@other.test" not in page(logged_in.get(f"/inbox/{unknown.id}"))
    assert db.session.scalar(select(User).where(User.email == "eve@other.test")) is not None


@BOTH_DATABASES
def test_the_list_search_and_feed_work_on_both_databases(app, db, logged_in, unknown):
    assert UNKNOWN in page(logged_in.get("/inbox", query_string={"q": "samstag"}))
    # A NUL (no browser types one; PostgreSQL cannot compare one) is refused by name.
    assert logged_in.get("/inbox", query_string={"q": "a\x00b"}).status_code == 400
    for view in ("open", "mine", "unassigned", "pending", "snoozed", "resolved", "nonsense"):
        assert logged_in.get("/inbox", query_string={"view": view}).status_code == 200
    feed = logged_in.get("/inbox/updates", query_string={"conversation": unknown.id}).json
    assert feed["list"] is True and feed["thread"] is True
    assert logged_in.get(f"/inbox/{unknown.id}").status_code == 200


def test_bad_form_values_are_refused_not_errors(db, logged_in, unknown):
    cid = unknown.id
    assert logged_in.post(f"/inbox/{cid}/assign", data={"assignee": "x"}).status_code == 400
    assert logged_in.post(f"/inbox/{cid}/assign", data={"assignee": "99999"}).status_code == 422
    assert logged_in.post(f"/inbox/{cid}/snooze", data={"until": "later"}).status_code == 400
    bad_time = logged_in.post(f"/inbox/{cid}/snooze", data={"until": "at", "at": "morgen"})
    assert bad_time.status_code == 422
    nul = logged_in.post(f"/inbox/{cid}/notes", data={"body": "a\x00b"})
    assert nul.status_code == 400 and "“body” holds a NUL character" in page(nul)
    assert logged_in.get("/inbox/updates", query_string={"conversation": "x"}).status_code == 200
    assert logged_in.get("/inbox/999999").status_code == 404
