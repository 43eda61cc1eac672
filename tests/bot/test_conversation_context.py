"""A conversation's `context` column on a real database: it reads back as a
`ConversationContext`, a replaced context is saved, an object stored by an older
version still reads, and a plain dict is refused rather than stored unchecked."""

from __future__ import annotations

import pytest
from sqlalchemy import JSON, column, table, update
from sqlalchemy.exc import StatementError

from bot.models import Conversation
from conversations import ConversationContext
from outbound.policy.vocabulary import Channel
from outbound.threads import conversation_for
from tests.support.databases import BOTH_DATABASES

pytestmark = BOTH_DATABASES
ADDRESS = "+4915112345678"
# The table as the database has it: the column is plain JSON, as an older version wrote it.
STORED_TABLE = table("conversation", column("id"), column("context", JSON))


@pytest.fixture
def conversation(db, business, now):
    found = conversation_for(db.session, business, Channel.SMS, ADDRESS, customer=None, now=now)
    db.session.commit()
    return found


def stored(db, conversation) -> ConversationContext:
    db.session.expire_all()
    return db.session.get(Conversation, conversation.id).context


def test_a_new_conversation_remembers_nothing(db, business):
    bare = Conversation(business_id=business.id, channel=Channel.SMS, address=ADDRESS)
    db.session.add(bare)
    db.session.commit()
    assert stored(db, bare) == ConversationContext()


def test_a_replaced_context_is_saved_and_read_back_typed(db, conversation):
    conversation.context = ConversationContext(record_id=12, failures=1)
    db.session.commit()
    assert stored(db, conversation) == ConversationContext(record_id=12, failures=1)


def test_an_object_stored_by_an_older_version_still_reads(db, conversation):
    older = {"record_id": 12, "failures": 0, "retired_key": True}
    db.session.execute(
        update(STORED_TABLE).where(STORED_TABLE.c.id == conversation.id).values(context=older)
    )
    db.session.commit()
    assert stored(db, conversation) == ConversationContext(record_id=12)


def test_a_plain_dict_is_refused(db, conversation):
    conversation.context = {"record_id": 12}
    with pytest.raises(StatementError, match="ConversationContext"):
        db.session.flush()
    db.session.rollback()
    assert stored(db, conversation) == ConversationContext()
