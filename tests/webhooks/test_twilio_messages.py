"""POST /webhooks/twilio/messages: signature, dedupe, and the first reply slice."""

from __future__ import annotations

import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.models import (
    AddressKind,
    Author,
    ContactAddress,
    Conversation,
    ConversationState,
    Direction,
    InboxStatus,
    Message,
    ProcessedWebhook,
    Record,
)
from conversations import ConversationContext
from outbound.policy.vocabulary import Channel, MessageStatus
from tests.support.settings import SMS_FROM
from tests.support.webhooks import CUSTOMER_PHONE, MESSAGES_PATH, inbound_form, sign


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def messages(db, direction: Direction) -> list[Message]:
    return list(
        db.session.scalars(
            select(Message).where(Message.direction == direction).order_by(Message.id)
        )
    )


def conversation_of(db, address: str = CUSTOMER_PHONE) -> Conversation:
    return db.session.scalar(select(Conversation).where(Conversation.address == address))


def assert_nothing_stored(db) -> None:
    assert count(db, Message) == 0
    assert count(db, ProcessedWebhook) == 0
    assert count(db, Conversation) == 0


def assert_empty_twiml(response) -> None:
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    assert b"<Response" in response.data and b"<Message" not in response.data


# --- signature -------------------------------------------------------------------


def test_forged_signature_is_refused_and_nothing_is_stored(db, business, client):
    form = inbound_form("ja")
    forged = sign(MESSAGES_PATH, form, token="not-the-auth-token")
    response = client.post(MESSAGES_PATH, data=form, headers={"X-Twilio-Signature": forged})
    assert response.status_code == 403
    assert response.json["error"]["code"] == "invalid_signature"
    assert response.json["error"]["field"] == "X-Twilio-Signature"
    assert_nothing_stored(db)


def test_missing_signature_is_refused(db, business, client):
    response = client.post(MESSAGES_PATH, data=inbound_form("ja"))
    assert response.status_code == 403
    assert_nothing_stored(db)


def test_a_signature_for_other_parameters_is_refused(db, business, client):
    form = inbound_form("ja")
    signature = sign(MESSAGES_PATH, form)
    tampered = {**form, "Body": "STOP"}
    response = client.post(MESSAGES_PATH, data=tampered, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403
    assert_nothing_stored(db)


def test_a_signature_for_another_url_is_refused(db, business, client):
    form = inbound_form("ja")
    signature = sign("/webhooks/twilio/status", form)
    response = client.post(MESSAGES_PATH, data=form, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403
    assert_nothing_stored(db)


def test_the_query_string_is_part_of_the_signed_url(db, business, customer_factory, client):
    customer_factory()
    path = MESSAGES_PATH + "?source=sms"
    form = inbound_form("Hallo")
    response = client.post(path, data=form, headers={"X-Twilio-Signature": sign(path, form)})
    assert_empty_twiml(response)
    assert count(db, Message) == 2  # the text and the bot's reply


# --- malformed input -------------------------------------------------------------


@pytest.mark.parametrize("missing", ["From", "To", "MessageSid", "Body"])
def test_a_form_without_a_required_field_gets_400(db, business, post_signed, missing):
    form = inbound_form("ja")
    del form[missing]
    response = post_signed(MESSAGES_PATH, form)
    assert response.status_code == 400
    assert response.json["error"]["field"] == missing
    assert response.json["error"]["code"] == "invalid_request"
    assert_nothing_stored(db)


def test_a_non_numeric_segment_count_gets_400(db, business, post_signed):
    response = post_signed(MESSAGES_PATH, inbound_form("ja", NumSegments="many"))
    assert response.status_code == 400
    assert response.json["error"]["field"] == "NumSegments"


# --- dedupe ------------------------------------------------------------------------


def test_the_same_message_sid_twice_is_handled_once(
    db, customer_factory, record_factory, post_signed
):
    record_factory(customer_factory())
    form = inbound_form("Kann ich bei euch parken?")  # handed to staff: unread for them
    first = post_signed(MESSAGES_PATH, form)
    second = post_signed(MESSAGES_PATH, form)
    assert_empty_twiml(first)
    assert_empty_twiml(second)
    assert len(messages(db, Direction.INBOUND)) == 1
    assert len(messages(db, Direction.OUTBOUND)) == 1
    assert conversation_of(db).unread_count == 1


def test_a_text_the_bot_handles_alone_is_nothing_unread_for_staff(
    db, customer_factory, record_factory, post_signed
):
    record_factory(customer_factory())
    post_signed(MESSAGES_PATH, inbound_form("ja"))
    conversation = conversation_of(db)
    assert (conversation.inbox_status, conversation.unread_count) == (InboxStatus.BOT, 0)


def test_concurrent_replays_store_one_message(app, db, customer_factory, client):
    customer_factory()
    form = inbound_form("Was kostet ein Haarschnitt?")
    signature = sign(MESSAGES_PATH, form)
    statuses = []
    start = threading.Barrier(4)

    def replay():
        with app.test_client() as own_client:
            start.wait()
            response = own_client.post(
                MESSAGES_PATH, data=form, headers={"X-Twilio-Signature": signature}
            )
            statuses.append(response.status_code)

    threads = [threading.Thread(target=replay) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    db.session.expire_all()
    assert statuses == [200] * 4
    assert len(messages(db, Direction.INBOUND)) == 1
    assert len(messages(db, Direction.OUTBOUND)) == 1


# --- the first conversation slice ------------------------------------------------


def test_ja_confirms_the_upcoming_appointment_and_answers_in_german(
    db, business, customer_factory, record_factory, text_in, work, fake_twilio
):
    customer = customer_factory()
    record = record_factory(customer)
    response = text_in("ja")
    assert_empty_twiml(response)

    db.session.expire_all()
    record = db.session.get(Record, record.id)
    assert record.customer_confirmed_at is not None
    [inbound] = messages(db, Direction.INBOUND)
    assert (inbound.status, inbound.author, inbound.body) == (
        MessageStatus.RECEIVED,
        Author.CUSTOMER,
        "ja",
    )
    assert inbound.customer_id == customer.id and inbound.segments == 1
    [reply] = messages(db, Direction.OUTBOUND)
    assert reply.author == Author.BOT and reply.status == MessageStatus.QUEUED
    assert reply.to_address == CUSTOMER_PHONE and reply.from_address == SMS_FROM
    assert reply.body.startswith("Danke, Ihr Termin am ")
    assert "ist bestätigt" in reply.body
    conversation = conversation_of(db)
    assert conversation.inbox_status == InboxStatus.BOT
    assert reply.conversation_id == inbound.conversation_id == conversation.id

    work()
    [sent] = fake_twilio.messages
    assert sent.to == CUSTOMER_PHONE and sent.params["From"] == SMS_FROM
    assert sent.body == reply.body
    local = record.starts_at.astimezone(ZoneInfo(business.timezone))
    assert f"{local:%d.%m.%Y} um {local:%H:%M} Uhr" in sent.body


def test_the_short_code_c_confirms(db, customer_factory, record_factory, text_in):
    record = record_factory(customer_factory())
    text_in("C")
    db.session.expire_all()
    assert db.session.get(Record, record.id).customer_confirmed_at is not None


def test_a_customer_writing_english_gets_an_english_reply(
    db, customer_factory, record_factory, text_in
):
    record_factory(customer_factory(locale="en"))
    text_in("yes")
    [reply] = messages(db, Direction.OUTBOUND)
    assert reply.body.startswith("Thanks, your appointment on ")


def test_ja_without_an_appointment_goes_to_staff(db, business, customer_factory, text_in):
    customer_factory()
    text_in("ja")
    conversation = conversation_of(db)
    assert conversation.inbox_status == InboxStatus.OPEN
    [reply] = messages(db, Direction.OUTBOUND)
    assert business.name in reply.body


def test_a_question_hands_the_conversation_to_staff(
    db, business, customer_factory, record_factory, text_in
):
    record = record_factory(customer_factory())
    text_in("Was kostet ein Haarschnitt?")
    conversation = conversation_of(db)
    assert conversation.inbox_status == InboxStatus.OPEN
    assert conversation.state == ConversationState.HANDED_TO_STAFF
    assert conversation.unread_count == 1
    [reply] = messages(db, Direction.OUTBOUND)
    assert reply.body == (
        f"Danke für Ihre Nachricht. Ein Mitarbeiter von {business.name} meldet sich bei Ihnen."
    )
    assert db.session.get(Record, record.id).customer_confirmed_at is None


def test_while_staff_hold_the_conversation_the_bot_stays_quiet(
    db, customer_factory, record_factory, text_in
):
    record = record_factory(customer_factory())
    text_in("Was kostet ein Haarschnitt?")
    text_in("Und habt ihr Parkplätze?")
    db.session.expire_all()
    assert len(messages(db, Direction.OUTBOUND)) == 1  # only the first hand-over reply
    text_in("ja")
    db.session.expire_all()
    # The conversation is open in the inbox: staff answer it, and confirm from there.
    assert db.session.get(Record, record.id).customer_confirmed_at is None
    assert len(messages(db, Direction.OUTBOUND)) == 1
    conversation = conversation_of(db)
    assert (conversation.unread_count, conversation.inbox_status) == (3, InboxStatus.OPEN)
    assert conversation.handover_reason == "not_understood"


def test_a_yes_after_staff_wrote_answers_staff_not_the_notice(
    db, customer_factory, record_factory, text_in
):
    record = record_factory(customer_factory())
    text_in("Kann ich meinen Hund mitbringen?")
    conversation = conversation_of(db)
    conversation.inbox_status = InboxStatus.PENDING  # staff replied and wait for an answer
    db.session.commit()
    text_in("ja")
    db.session.expire_all()
    # "ja" answers the staff member's question: it must not confirm the appointment.
    assert db.session.get(Record, record.id).customer_confirmed_at is None
    assert len(messages(db, Direction.OUTBOUND)) == 1


def test_an_unknown_number_goes_to_staff_with_an_honest_reply(db, business, text_in):
    text_in("Hallo, ist da der Friseur?", sender="+4917099988877")
    conversation = conversation_of(db, "+4917099988877")
    assert conversation.customer_id is None
    assert conversation.inbox_status == InboxStatus.OPEN
    [inbound] = messages(db, Direction.INBOUND)
    assert inbound.customer_id is None
    [reply] = messages(db, Direction.OUTBOUND)
    assert reply.to_address == "+4917099988877"
    assert "keinem Termin zuordnen" in reply.body


def test_stop_opts_the_number_out_without_a_reply(
    db, customer_factory, record_factory, text_in, now
):
    customer = customer_factory()
    record_factory(customer)
    assert_empty_twiml(text_in("STOP"))
    tel = db.session.scalar(
        select(ContactAddress).where(
            ContactAddress.customer_id == customer.id, ContactAddress.kind == AddressKind.TEL
        )
    )
    assert tel.opted_out_at is not None
    assert messages(db, Direction.OUTBOUND) == []
    assert conversation_of(db).inbox_status == InboxStatus.BOT


def test_a_bare_cancel_opts_out_and_flags_staff_but_keeps_the_appointment(
    db, customer_factory, record_factory, text_in
):
    customer = customer_factory()
    record = record_factory(customer)
    text_in("CANCEL")
    db.session.expire_all()
    assert customer.address(AddressKind.TEL).opted_out_at is not None
    assert db.session.get(Record, record.id).status == "confirmed"
    assert conversation_of(db).inbox_status == InboxStatus.OPEN
    assert messages(db, Direction.OUTBOUND) == []


def test_start_opts_the_number_back_in(db, customer_factory, text_in):
    customer = customer_factory()
    text_in("STOP")
    text_in("START")
    db.session.expire_all()
    assert customer.address(AddressKind.TEL).opted_out_at is None
    assert messages(db, Direction.OUTBOUND) == []


def test_a_bare_yes_is_also_the_carriers_opt_in(db, customer_factory, record_factory, text_in):
    customer = customer_factory()
    record = record_factory(customer)
    text_in("STOP")
    text_in("YES")  # Twilio unblocks the number on YES; our record must follow
    db.session.expire_all()
    assert customer.address(AddressKind.TEL).opted_out_at is None
    assert db.session.get(Record, record.id).customer_confirmed_at is not None
    [reply] = messages(db, Direction.OUTBOUND)
    assert "bestätigt" in reply.body


def test_a_request_still_awaiting_the_business_is_not_confirmed_by_the_customer(
    db, customer_factory, record_factory, text_in
):
    record = record_factory(customer_factory(), status="pending", source="online")
    text_in("ok")
    db.session.expire_all()
    assert db.session.get(Record, record.id).customer_confirmed_at is None
    [reply] = messages(db, Direction.OUTBOUND)
    assert "bestätigt" not in reply.body
    assert conversation_of(db).inbox_status == InboxStatus.OPEN


def test_an_opted_out_number_gets_no_reply(db, customer_factory, text_in):
    customer_factory()
    text_in("STOP")
    text_in("Was kostet ein Haarschnitt?")
    assert messages(db, Direction.OUTBOUND) == []
    assert conversation_of(db).inbox_status == InboxStatus.OPEN


def test_twilio_advanced_opt_out_type_is_honoured(db, customer_factory, text_in):
    customer = customer_factory()
    text_in("Arrêt", OptOutType="STOP")
    db.session.expire_all()
    assert customer.address(AddressKind.TEL).opted_out_at is not None


def test_a_whatsapp_reply_goes_back_on_whatsapp(
    db, business_factory, customer_factory, record_factory, text_in, work, fake_twilio
):
    business, _ = business_factory(
        name="Salon Mond", sms_from="+4930555098", whatsapp_from="+4930555099"
    )
    customer = customer_factory(business=business)
    record = record_factory(customer, business=business)
    text_in("ja", sender=f"whatsapp:{CUSTOMER_PHONE}", to="whatsapp:+4930555099")

    db.session.expire_all()
    assert db.session.get(Record, record.id).customer_confirmed_at is not None
    conversation = conversation_of(db, f"whatsapp:{CUSTOMER_PHONE}")
    assert conversation.channel == Channel.WHATSAPP and conversation.customer_id == customer.id
    [reply] = messages(db, Direction.OUTBOUND)
    assert reply.channel == Channel.WHATSAPP
    assert reply.to_address == f"whatsapp:{CUSTOMER_PHONE}"
    work()
    [sent] = fake_twilio.messages
    assert sent.to == f"whatsapp:{CUSTOMER_PHONE}"
    assert sent.params["From"] == "whatsapp:+4930555099"


def test_a_whatsapp_stop_opts_out_of_whatsapp_only(db, business_factory, customer_factory, text_in):
    business, _ = business_factory(
        name="Salon Mond", sms_from="+4930555098", whatsapp_from="+4930555099"
    )
    customer = customer_factory(business=business)
    text_in("STOP", sender=f"whatsapp:{CUSTOMER_PHONE}", to="whatsapp:+4930555099")
    db.session.expire_all()
    [whatsapp] = [a for a in customer.addresses if a.kind == AddressKind.WHATSAPP]
    assert whatsapp.opted_out_at is not None
    assert customer.address(AddressKind.TEL).opted_out_at is None


def test_a_message_to_a_number_no_business_uses_stores_nothing(db, business, text_in):
    response = text_in("ja", to="+4930555777")
    assert_empty_twiml(response)
    assert_nothing_stored(db)


def test_a_messaging_service_finds_its_business(db, business_factory, customer_factory, text_in):
    business, _ = business_factory(
        name="Salon Pool", sms_from=None, messaging_service_sid="MG" + "1" * 32
    )
    customer_factory(business=business)
    text_in("Hallo", to="+4930555123", MessagingServiceSid="MG" + "1" * 32)
    conversation = conversation_of(db)
    assert conversation.business_id == business.id
    assert conversation.customer_id is not None


def test_the_number_texted_decides_the_business_before_a_messaging_service(
    db, business, business_factory, customer_factory, text_in
):
    other, _ = business_factory(
        name="Salon Pool", sms_from=None, messaging_service_sid="MG" + "2" * 32
    )
    customer_factory()
    text_in("Hallo", to=SMS_FROM, MessagingServiceSid="MG" + "2" * 32)
    assert conversation_of(db).business_id == business.id


def test_the_appointment_the_last_notice_was_about_is_the_one_confirmed(
    db, customer_factory, record_factory, text_in, now
):
    customer = customer_factory()
    sooner = record_factory(customer, starts_at=now + timedelta(days=1))
    later = record_factory(customer, starts_at=now + timedelta(days=8))
    text_in("Hallo")  # opens the conversation …
    conversation = conversation_of(db)
    conversation.context = ConversationContext(record_id=later.id)
    conversation.inbox_status = InboxStatus.RESOLVED  # … which staff then resolve
    db.session.commit()

    text_in("passt")
    db.session.expire_all()
    assert db.session.get(Record, later.id).customer_confirmed_at is not None
    assert db.session.get(Record, sooner.id).customer_confirmed_at is None


def test_without_context_the_bot_asks_which_appointment(
    db, customer_factory, record_factory, text_in, now
):
    customer = customer_factory()
    later = record_factory(customer, starts_at=now + timedelta(days=8))
    sooner = record_factory(customer, starts_at=now + timedelta(days=1))
    text_in("ja")
    db.session.expire_all()
    assert db.session.get(Record, sooner.id).customer_confirmed_at is None
    [question] = messages(db, Direction.OUTBOUND)
    assert question.body.startswith("Welchen Termin meinen Sie? 1) ")
    assert conversation_of(db).state == ConversationState.AWAITING_REPLY

    text_in("1")  # the sooner one comes first
    db.session.expire_all()
    assert db.session.get(Record, sooner.id).customer_confirmed_at is not None
    assert db.session.get(Record, later.id).customer_confirmed_at is None
    assert "bestätigt" in messages(db, Direction.OUTBOUND)[-1].body


def test_segments_are_counted_when_twilio_does_not_say(db, customer_factory, post_signed):
    customer_factory()
    form = inbound_form("x" * 200)
    del form["NumSegments"]
    post_signed(MESSAGES_PATH, form)
    [inbound] = messages(db, Direction.INBOUND)
    assert inbound.segments == 2 and inbound.encoding == "GSM-7"


def test_a_messenger_message_is_answered_on_messenger_from_the_page(
    db, business_factory, text_in, work, fake_twilio
):
    business_factory(name="Salon Pool", sms_from=None, messaging_service_sid="MG" + "4" * 32)
    text_in(
        "Hallo, habt ihr morgen Zeit?",
        sender="messenger:24680",
        to="messenger:1357911",
        MessagingServiceSid="MG" + "4" * 32,
    )
    work()
    [sent] = fake_twilio.messages
    assert (sent.params["To"], sent.params["From"]) == ("messenger:24680", "messenger:1357911")
    assert conversation_of(db, "messenger:24680").inbox_status == InboxStatus.OPEN
