"""bot.services.inbox on a real database: counts, colleagues, replies, changes, the
snooze alarm and the page queries (one query for a page's last messages)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from bot.errors import Conflict, DomainError, NotFound
from bot.models import (
    Author,
    ConversationState,
    Direction,
    InboxStatus,
    Message,
    User,
)
from bot.services import inbox
from conversations import ConversationContext
from outbound.policy.vocabulary import Channel, MessageStatus
from outbound.threads import conversation_for
from tests.support.settings import SMS_FROM


@pytest.fixture
def user_factory(db, business):
    def make(name: str, business=business, active: bool = True) -> User:
        user = User(
            business_id=business.id,
            email=f"{name.lower()}.{business.id}@salon.test",
            password_hash="not-a-real-hash",
            name=name,
            active=active,
        )
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def texted(db, business, customer_factory, now):
    """A conversation in which the customer wrote `body` at `when` (default: now)."""

    def make(body="Hallo", *, customer=None, channel=Channel.SMS, when=None, status=None):
        customer = customer or customer_factory()
        address = customer.phone if channel == Channel.SMS else f"whatsapp:{customer.phone}"
        when = when or now
        conversation = conversation_for(
            db.session, business, channel, address, customer=customer, now=when
        )
        db.session.add(
            Message(
                business_id=business.id,
                conversation_id=conversation.id,
                customer_id=customer.id,
                direction=Direction.INBOUND,
                channel=channel,
                from_address=address,
                to_address=SMS_FROM if channel == Channel.SMS else f"whatsapp:{SMS_FROM}",
                body=body,
                status=MessageStatus.RECEIVED,
                author=Author.CUSTOMER,
                created_at=when,
            )
        )
        conversation.inbox_status = status or InboxStatus.OPEN
        conversation.unread_count += 1
        db.session.commit()
        return conversation

    return make


def test_counts_per_view(db, business, texted, customer_factory, user_factory):
    mira, kai = user_factory("Mira"), user_factory("Kai")
    mine = texted()
    mine.assignee_id = mira.id
    texted(customer=customer_factory(name="B", phone="+4915100000002"))  # open, nobody's
    other = texted(customer=customer_factory(name="C", phone="+4915100000003"))
    other.assignee_id = kai.id
    other.unread_count = 0
    texted(customer=customer_factory(name="D", phone="+4915100000004"), status=InboxStatus.PENDING)
    db.session.commit()

    assert inbox.inbox_counts(db.session, business, mira.id) == {
        "open": 3,
        "mine": 1,
        "unassigned": 1,
        "pending": 1,
        "snoozed": 0,
        "resolved": 0,
        "unread": 2,
    }
    assert inbox.inbox_counts(db.session, business, None)["mine"] == 0


def test_colleagues_are_the_active_users_of_the_business(
    db, business, business_factory, user_factory
):
    user_factory("Mira")
    user_factory("anna")
    user_factory("Gone", active=False)
    other, _ = business_factory(name="Kette", sms_from="+4930555020")
    user_factory("Kai", business=other)
    assert [user.name for user in inbox.colleagues(db.session, business)] == ["anna", "Mira"]


def test_another_business_conversation_is_not_found(db, business_factory, texted):
    conversation = texted()
    other, _ = business_factory(name="Kette", sms_from="+4930555020")
    with pytest.raises(NotFound):
        inbox.get_conversation(db.session, other, conversation.id)


def test_a_staff_reply_takes_an_unassigned_conversation_but_not_an_assigned_one(
    db, business, texted, customer_factory, user_factory, now
):
    mira, kai = user_factory("Mira"), user_factory("Kai")
    free = texted()
    message = inbox.reply(db.session, business, free, "Gern!", now=now, user=mira)
    assert (free.assignee_id, free.inbox_status) == (mira.id, InboxStatus.PENDING)
    assert (message.author, message.author_user_id, message.from_address) == (
        Author.STAFF,
        mira.id,
        SMS_FROM,
    )
    taken = texted(customer=customer_factory(name="B", phone="+4915100000002"))
    taken.assignee_id = kai.id
    inbox.reply(db.session, business, taken, "Gern!", now=now, user=mira)
    assert taken.assignee_id == kai.id


def test_whatsapp_free_text_only_within_24_hours(db, business, texted, customer_factory, now):
    business.whatsapp_from = SMS_FROM
    conversation = texted(channel=Channel.WHATSAPP, when=now - timedelta(hours=25))
    with pytest.raises(Conflict) as refused:
        inbox.reply(db.session, business, conversation, "Hallo", now=now)
    assert refused.value.code == "whatsapp_window_closed"
    other = customer_factory(name="B", phone="+4915100000002")
    fresh = texted(customer=other, channel=Channel.WHATSAPP, when=now - timedelta(hours=1))
    sent = inbox.reply(db.session, business, fresh, "Hallo", now=now)
    assert (sent.channel, sent.from_address) == (Channel.WHATSAPP, f"whatsapp:{SMS_FROM}")


def test_handing_back_to_the_bot_starts_it_afresh(db, business, texted, now):
    conversation = texted()
    conversation.state = ConversationState.HANDED_TO_STAFF
    conversation.context = ConversationContext(failures=1)
    conversation.handover_reason = "not_understood"
    inbox.update_conversation(db.session, business, conversation, {"status": "bot"}, now=now)
    assert (conversation.inbox_status, conversation.state) == (
        InboxStatus.BOT,
        ConversationState.IDLE,
    )
    assert (conversation.context, conversation.handover_reason) == (ConversationContext(), None)
    assert conversation.unread_count == 0


def test_a_resolved_conversation_keeps_its_reason(db, business, texted, now):
    conversation = texted()
    conversation.handover_reason = "not_understood"
    inbox.update_conversation(db.session, business, conversation, {"status": "resolved"}, now=now)
    assert conversation.handover_reason == "not_understood"


@pytest.mark.parametrize(
    "changes",
    [
        {"status": "open", "snoozed_until": "later"},
        {"snoozed_until": "past"},
        {"snoozed_until": "naive"},
    ],
)
def test_a_bad_snooze_time_is_refused(db, business, texted, now, changes):
    moments = {
        "later": now + timedelta(hours=1),
        "past": now - timedelta(seconds=1),
        "naive": (now + timedelta(hours=1)).replace(tzinfo=None),
    }
    changes = {key: moments.get(value, value) for key, value in changes.items()}
    conversation = texted()
    with pytest.raises(DomainError) as refused:
        inbox.update_conversation(db.session, business, conversation, changes, now=now)
    assert refused.value.field == "snoozed_until"


def test_the_alarm_wakes_only_what_is_due(db, business, texted, customer_factory, now):
    due = texted()
    later = texted(customer=customer_factory(name="B", phone="+4915100000002"))
    until_reply = texted(customer=customer_factory(name="C", phone="+4915100000003"))
    for conversation, hours in ((due, 1), (later, 3)):
        inbox.update_conversation(
            db.session,
            business,
            conversation,
            {"snoozed_until": now + timedelta(hours=hours)},
            now=now,
        )
    inbox.update_conversation(db.session, business, until_reply, {"status": "snoozed"}, now=now)

    assert inbox.wake_snoozed(db.session, now=now + timedelta(hours=2)) == 1
    assert due.inbox_status == InboxStatus.OPEN and due.snoozed_until is None
    assert due.last_activity_at == now + timedelta(hours=2)
    assert later.inbox_status == InboxStatus.SNOOZED
    assert until_reply.inbox_status == InboxStatus.SNOOZED


def test_handover_words():
    assert inbox.handover_words(None) is None
    assert inbox.handover_words("unknown_sender").startswith("Unknown number")
    assert inbox.handover_words("something_new") == "something_new"  # never lost


def test_a_page_of_last_messages_is_one_query(db, business, texted, customer_factory, now):
    conversations = [
        texted(f"Text {n}", customer=customer_factory(name=f"K{n}", phone=f"+491510000001{n}"))
        for n in range(5)
    ]
    inbox.add_note(db.session, business, conversations[0], "Notiz", now=now)
    db.session.commit()
    ids = [conversation.id for conversation in conversations]
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        last = inbox.last_messages(db.session, ids)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 1
    assert last[ids[0]].body == "Notiz"
    assert [last[id_].body for id_ in ids[1:]] == [f"Text {n}" for n in range(1, 5)]
    assert inbox.last_messages(db.session, []) == {}


@pytest.mark.parametrize("q", ["000", "0 0 0"])
def test_a_search_for_zeros_alone_finds_no_number(db, business, texted, customer_factory, q):
    texted("Hallo", customer=customer_factory(phone="+4915112345678"))
    texted("Guten Tag", customer=customer_factory(name="Jane Miller", phone="+4916055555555"))
    found = db.session.scalars(inbox.conversations_query(business, inbox.Filters(q=q))).all()
    assert found == []


def test_a_number_with_a_leading_zero_finds_its_conversation(
    db, business, texted, customer_factory
):
    wanted = texted("Hallo", customer=customer_factory(phone="+4915112345678"))
    texted("Guten Tag", customer=customer_factory(name="Jane Miller", phone="+4916055555555"))
    found = db.session.scalars(
        inbox.conversations_query(business, inbox.Filters(q="0151 12"))
    ).all()
    assert found == [wanted]
