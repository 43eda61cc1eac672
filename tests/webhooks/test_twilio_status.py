"""POST /webhooks/twilio/status: signed callbacks move a sent message up its status ladder."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.models import Author, Direction, Message
from outbound.policy.vocabulary import MessageStatus
from tests.support.outbox import queue_sms
from tests.support.webhooks import STATUS_PATH, sign


def status_form(message_sid: str, status: str, **extra) -> dict:
    """What Twilio posts as a message's StatusCallback."""
    return {
        "MessageSid": message_sid,
        "SmsSid": message_sid,
        "MessageStatus": status,
        "SmsStatus": status,
        "AccountSid": "AC" + "0" * 32,
        "From": "+4930555010",
        "To": "+4915112345678",
        "ApiVersion": "2010-04-01",
        **extra,
    }


@pytest.fixture
def sent_reply(db, customer_factory, record_factory, text_in, work, fake_twilio):
    """The bot's confirmation reply, sent through the fake Twilio API."""
    record_factory(customer_factory())
    text_in("ja")
    work()
    reply = db.session.scalar(select(Message).where(Message.direction == Direction.OUTBOUND))
    assert reply.provider_sid == fake_twilio.messages[0].sid
    return reply


def reload(db, message: Message) -> Message:
    db.session.expire_all()
    return db.session.get(Message, message.id)


def test_delivered_makes_the_sms_billable(db, sent_reply, post_signed):
    response = post_signed(STATUS_PATH, status_form(sent_reply.provider_sid, "delivered"))
    assert response.status_code == 204
    message = reload(db, sent_reply)
    assert message.status == MessageStatus.DELIVERED
    assert message.billable is True
    assert message.delivered_at is not None


def test_a_late_sent_does_not_undo_delivered(db, sent_reply, post_signed):
    post_signed(STATUS_PATH, status_form(sent_reply.provider_sid, "delivered"))
    post_signed(STATUS_PATH, status_form(sent_reply.provider_sid, "sent"))
    assert reload(db, sent_reply).status == MessageStatus.DELIVERED


def test_undelivered_keeps_the_error_code(db, sent_reply, post_signed):
    form = status_form(sent_reply.provider_sid, "undelivered", ErrorCode="30003")
    assert post_signed(STATUS_PATH, form).status_code == 204
    message = reload(db, sent_reply)
    assert message.status == MessageStatus.UNDELIVERED
    assert message.error_code == "30003"
    assert message.billable is False


def test_a_forged_callback_is_refused_and_changes_nothing(db, sent_reply, client):
    form = status_form(sent_reply.provider_sid, "delivered")
    forged = sign(STATUS_PATH, form, token="not-the-auth-token")
    response = client.post(STATUS_PATH, data=form, headers={"X-Twilio-Signature": forged})
    assert response.status_code == 403
    assert reload(db, sent_reply).status != MessageStatus.DELIVERED


def test_an_unsigned_callback_is_refused(db, sent_reply, client):
    form = status_form(sent_reply.provider_sid, "delivered")
    assert client.post(STATUS_PATH, data=form).status_code == 403
    assert reload(db, sent_reply).status != MessageStatus.DELIVERED


def test_a_callback_for_a_message_we_do_not_know_is_accepted(db, business, post_signed):
    response = post_signed(STATUS_PATH, status_form("SM" + "f" * 32, "delivered"))
    assert response.status_code == 204


@pytest.mark.parametrize("missing", ["MessageSid", "MessageStatus"])
def test_a_callback_without_a_required_field_gets_400(db, business, post_signed, missing):
    form = status_form("SM" + "f" * 32, "delivered")
    del form[missing]
    response = post_signed(STATUS_PATH, form)
    assert response.status_code == 400
    assert response.json["error"]["field"] == missing


def test_a_callback_that_overtakes_the_send_answer_finds_its_message(
    db, business, customer_factory, post_signed
):
    # The send call has not returned yet, so no SID is stored; the callback URL names
    # our message id, under Twilio's signature.
    customer = customer_factory()
    message = queue_sms(db.session, business, customer, "Danke!", Author.BOT)
    db.session.commit()
    sid = "SM" + "7" * 32
    response = post_signed(f"{STATUS_PATH}?message={message.id}", status_form(sid, "delivered"))
    assert response.status_code == 204
    message = reload(db, message)
    assert (message.provider_sid, message.status, message.billable) == (
        sid,
        MessageStatus.DELIVERED,
        True,
    )


def test_a_callback_whose_id_and_sid_disagree_changes_nothing(db, sent_reply, post_signed):
    other_sid = "SM" + "8" * 32
    response = post_signed(
        f"{STATUS_PATH}?message={sent_reply.id}", status_form(other_sid, "delivered")
    )
    assert response.status_code == 204
    assert reload(db, sent_reply).status != MessageStatus.DELIVERED


def test_a_callback_naming_one_message_with_anothers_sid_is_ignored_and_logged(
    db, business, customer_factory, sent_reply, post_signed, caplog
):
    # The queued message has no SID yet; storing the sent reply's SID on it would
    # break the SID's uniqueness (an IntegrityError, a 500, before).
    queued = queue_sms(db.session, business, customer_factory(phone="+4915199988877"), "Hallo")
    db.session.commit()
    form = status_form(sent_reply.provider_sid, "delivered")

    with caplog.at_level("WARNING", logger="outbound.delivery"):
        response = post_signed(f"{STATUS_PATH}?message={queued.id}", form)

    assert response.status_code == 204
    assert reload(db, queued).provider_sid is None
    assert reload(db, queued).status == MessageStatus.QUEUED
    assert reload(db, sent_reply).status != MessageStatus.DELIVERED
    [record] = [r for r in caplog.records if r.name == "outbound.delivery"]
    assert str(queued.id) in record.getMessage() and str(sent_reply.id) in record.getMessage()
    assert sent_reply.provider_sid in record.getMessage()


def test_a_callback_with_a_sid_unlike_its_messages_own_is_logged(
    db, sent_reply, post_signed, caplog
):
    other_sid = "SM" + "9" * 32
    with caplog.at_level("WARNING", logger="outbound.delivery"):
        response = post_signed(
            f"{STATUS_PATH}?message={sent_reply.id}", status_form(other_sid, "delivered")
        )
    assert response.status_code == 204
    assert reload(db, sent_reply).status != MessageStatus.DELIVERED
    assert any(other_sid in r.getMessage() for r in caplog.records)
