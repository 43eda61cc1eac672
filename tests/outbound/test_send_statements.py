"""How many SQL statements one send runs, counted so they cannot creep back: a booking
confirmation to a customer the business has not written to before (its conversation is made
on the way), the next notice to the same customer, and a bot reply; on SQLite and on
PostgreSQL. A send's time is mostly its statements (docs/PERFORMANCE.md), so a change that
needs another one raises its budget here, in view of the reviewer."""

from __future__ import annotations

from datetime import timedelta

from bot.models import Author, Message
from outbound.jobs import dispatch_tick, send_message, send_notification
from tests.support.databases import BOTH_DATABASES, assert_within_budget, statements_run
from tests.support.outbox import notification, queue_sms

pytestmark = BOTH_DATABASES

# Claim, the rows it needs (notification, business, record, customer, the customer's address,
# the business's text), the conversation, the message, the result.
FIRST_NOTICE_BUDGET = 15
NEXT_NOTICE_BUDGET = 14  # the conversation is there already
# Claim, the message, the opt-out check, the business, the message's status read again
# (a status callback may have come first), the result.
REPLY_BUDGET = 6


def test_a_notice_is_sent_within_its_statement_budget(
    db, business, customer_factory, record_factory, starts_at, fake_twilio
):
    customer = customer_factory()
    first = record_factory(customer, starts_at=starts_at)
    second = record_factory(customer, starts_at=starts_at + timedelta(days=1))
    assert dispatch_tick() == 2
    first_id, second_id = notification(db, first).id, notification(db, second).id

    with statements_run(db) as statements:
        assert send_notification(first_id) == "sent"
    assert_within_budget(statements, FIRST_NOTICE_BUDGET)

    with statements_run(db) as statements:
        assert send_notification(second_id) == "sent"
    assert_within_budget(statements, NEXT_NOTICE_BUDGET)
    assert len(fake_twilio.messages) == 2


def test_a_bot_reply_is_sent_within_its_statement_budget(
    db, business, customer_factory, fake_twilio
):
    customer = customer_factory()
    message_id = queue_sms(db.session, business, customer, author=Author.BOT).id
    db.session.commit()

    with statements_run(db) as statements:
        assert send_message(message_id) == "accepted"
    assert_within_budget(statements, REPLY_BUDGET)
    assert db.session.get(Message, message_id).provider_sid == fake_twilio.messages[0].sid
