"""The demo `make run` loads: what waits in the shared inbox, that loading it again
adds nothing, and the phone simulator and the inbox side by side (a text from the
simulated phone, the staff answer from the inbox, the answer back on the phone)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from bot.demo import DEMO_EMAIL, DEMO_PASSWORD, DEMO_SENDER, STAFF_EMAIL, load_demo
from bot.models import (
    Author,
    Business,
    CannedReply,
    Conversation,
    Customer,
    Direction,
    InboxStatus,
    Message,
    User,
    UserRole,
    utcnow,
)
from bot.services import inbox
from outbound.policy.vocabulary import MessageStatus
from tests.support.servers import serving
from tests.support.settings import TWILIO_SID


@pytest.fixture
def app_config(app_config):
    """The app as `make run` gives a demo: the simulator transports, no Twilio account."""
    return {
        **app_config,
        "SMS_TRANSPORT": "simulator",
        "EMAIL_TRANSPORT": "simulator",
        "TWILIO_ACCOUNT_SID": None,
        "TWILIO_AUTH_TOKEN": None,
    }


def conversation_with(db, address: str) -> Conversation:
    return db.session.scalar(select(Conversation).where(Conversation.address == address))


def thread(db, conversation: Conversation) -> list[tuple[Author, str]]:
    rows = db.session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation.id)
        .order_by(Message.created_at, Message.id)
    )
    return [(row.author, row.body) for row in rows]


def test_the_demo_leaves_conversations_waiting_in_the_inbox(app, runner, db):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["inbox"] == {"open": 2, "pending": 1}

    ursula = db.session.scalar(select(Customer).where(Customer.name == "Ursula Hoffmann"))
    handed_over = conversation_with(db, ursula.phone)
    assert handed_over.inbox_status == InboxStatus.OPEN
    assert handed_over.handover_reason == "not_understood"
    assert handed_over.unread_count == 1
    with app.test_request_context(headers={"Accept-Language": "en"}):
        words = inbox.handover_words(handed_over.handover_reason)
    assert words == "A question or request the bot does not handle."
    [(author, text), (bot, answer)] = thread(db, handed_over)
    assert (author, bot) == (Author.CUSTOMER, Author.BOT)
    assert "Tochter" in text and "meldet sich bei Ihnen" in answer

    stranger = conversation_with(db, "+491715550199")
    assert stranger.customer_id is None
    assert (stranger.inbox_status, stranger.handover_reason) == (
        InboxStatus.OPEN,
        "unknown_sender",
    )
    assert thread(db, stranger)[0] == (
        Author.CUSTOMER,
        "Hallo, ist bei euch morgen um 10 noch ein Termin frei?",
    )

    klaus = db.session.scalar(select(Customer).where(Customer.name == "Klaus Becker"))
    answered = conversation_with(db, klaus.phone)
    staff = db.session.scalar(select(User).where(User.email == STAFF_EMAIL))
    assert answered.inbox_status == InboxStatus.PENDING and answered.assignee_id == staff.id
    assert [author for author, _ in thread(db, answered)] == [
        Author.CUSTOMER,
        Author.BOT,
        Author.STAFF,
    ]
    # every answer leaves through the outbox, from the salon's number
    outbound = db.session.scalars(select(Message).where(Message.direction == Direction.OUTBOUND))
    assert {(m.status, m.from_address) for m in outbound if m.conversation_id} == {
        (MessageStatus.QUEUED, DEMO_SENDER)
    }


def test_the_demo_has_a_staff_colleague_and_canned_replies(runner, db):
    assert runner.invoke(args=["demo"]).exit_code == 0
    business = db.session.scalar(select(Business))
    staff = db.session.scalar(select(User).where(User.email == STAFF_EMAIL))
    assert staff.role == UserRole.STAFF and staff.business_id == business.id
    assert check_password_hash(staff.password_hash, DEMO_PASSWORD)
    # the inbox's "assign to" offers both
    assert {user.email for user in inbox.colleagues(db.session, business)} == {
        DEMO_EMAIL,
        STAFF_EMAIL,
    }
    replies = db.session.scalars(select(CannedReply).order_by(CannedReply.title)).all()
    assert [reply.title for reply in replies] == ["Parken", "Rückruf", "Öffnungszeiten"]
    assert "Samstag" in replies[2].body or "samstags" in replies[2].body


def test_loading_the_demo_again_duplicates_nothing_in_the_inbox(runner, db):
    assert runner.invoke(args=["demo"]).exit_code == 0
    models = (Conversation, Message, CannedReply, User)
    counts = [db.session.scalar(select(func.count()).select_from(m)) for m in models]
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert [db.session.scalar(select(func.count()).select_from(m)) for m in models] == counts
    assert json.loads(second.output)["inbox"] == {"open": 2, "pending": 1}


# --- the simulator and the inbox side by side -----------------------------------------


@pytest.fixture
def served(app):
    """The app served over HTTP on loopback: the simulator posts its texts to the
    public webhook at PUBLIC_BASE_URL, as Twilio would."""
    with serving(app):
        yield app


def test_a_staff_answer_from_the_inbox_arrives_on_the_simulated_phone(served, db, client, work):
    load_demo(db.session, now=utcnow())
    db.session.commit()
    work()  # the demo's queued answers go out first
    login = client.post("/login", data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
    assert login.status_code == 302
    sanne = db.session.scalar(select(Customer).where(Customer.name == "Sanne de Vries"))

    sent = client.post(
        f"/simulator/customers/{sanne.id}/texts", data={"body": "Mag ik mijn hond meenemen?"}
    )
    assert sent.status_code == 302
    db.session.expire_all()
    conversation = conversation_with(db, sanne.phone)
    assert conversation.inbox_status == InboxStatus.OPEN  # handed over: a question

    business = db.session.get(Business, sanne.business_id)
    staff = db.session.scalar(select(User).where(User.email == STAFF_EMAIL))
    inbox.reply(
        db.session, business, conversation, "Ja hoor, uw hond is welkom!", now=utcnow(), user=staff
    )
    db.session.commit()
    work()

    feed = client.get(f"/simulator/customers/{sanne.id}/feed.json").json
    phone = [(m["from_customer"], m["author"], m["body"]) for m in feed["messages"]]
    assert phone[-3:] == [
        (True, "customer", "Mag ik mijn hond meenemen?"),
        (False, "bot", phone[-2][2]),
        (False, "staff", "Ja hoor, uw hond is welkom!"),
    ]
    answer = feed["messages"][-1]
    assert (answer["from"], answer["to"]) == (DEMO_SENDER, sanne.phone)
    assert answer["status"] == "delivered"
    db.session.expire_all()
    assert conversation_with(db, sanne.phone).inbox_status == InboxStatus.PENDING
    assert TWILIO_SID not in json.dumps(feed)  # nothing went to Twilio: the simulator has it
