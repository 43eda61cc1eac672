"""How many SQL statements one inbound text runs through `POST /webhooks/twilio/messages`,
counted so they cannot creep back: a first "ja" that confirms the customer's appointment
(stored in a new conversation, read, acted on, answered), the customer's next text, and
Twilio delivering a text again; on SQLite and on PostgreSQL. The webhook's time is mostly its
statements (docs/PERFORMANCE.md), so a change that needs another one raises its budget here,
in view of the reviewer."""

from __future__ import annotations

from bot.models import Direction, Message, Record
from tests.support.databases import BOTH_DATABASES, assert_within_budget, statements_run
from tests.support.webhooks import MESSAGES_PATH, inbound_form

pytestmark = BOTH_DATABASES

# Seen before?, the business, the text noted as seen, the sender's address and customer, the
# conversation (made), the text, the business's webhook endpoints (read once for all the
# text's events), the appointment, the conversation's step, the confirmation, the business's
# answer text, the answer.
FIRST_TEXT_BUDGET = 14
NEXT_TEXT_BUDGET = 12  # the conversation is there; nothing to confirm again
REPEATED_TEXT_BUDGET = 1  # seen before: nothing else is read or written


def test_an_inbound_text_is_handled_within_its_statement_budget(
    db, customer_factory, record_factory, post_signed
):
    record_id = record_factory(customer_factory()).id
    db.session.commit()
    first = inbound_form("ja")

    with statements_run(db) as statements:
        assert post_signed(MESSAGES_PATH, first).status_code == 200
    assert_within_budget(statements, FIRST_TEXT_BUDGET)

    with statements_run(db) as statements:
        assert post_signed(MESSAGES_PATH, inbound_form("Danke, bis dann!")).status_code == 200
    assert_within_budget(statements, NEXT_TEXT_BUDGET)

    with statements_run(db) as statements:
        assert post_signed(MESSAGES_PATH, first).status_code == 200
    assert_within_budget(statements, REPEATED_TEXT_BUDGET)

    db.session.expire_all()
    assert db.session.get(Record, record_id).customer_confirmed_at is not None
    inbound = db.session.query(Message).filter_by(direction=Direction.INBOUND).count()
    assert inbound == 2
