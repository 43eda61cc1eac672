"""Whole conversations through the inbound webhook (issue 3): customers confirm,
cancel and reschedule in their own words against the real diary, and opt out.

Each test texts the signed webhook as Twilio would and checks the record, the
conversation, the notices planned and the bot's reply text.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from sqlalchemy import select

from bot.models import (
    AddressKind,
    Conversation,
    ConversationState,
    Direction,
    InboxStatus,
    Location,
    Message,
    Notification,
    Record,
    StaffMember,
    WorkingHours,
)
from bot.services.commands import RecordChanges
from conversations import ConversationContext
from outbound.policy.vocabulary import Notice, NotificationStatus
from tests.support.webhooks import CUSTOMER_PHONE

BERLIN = ZoneInfo("Europe/Berlin")


def weekday_ahead(days: int) -> date:
    """A Monday-to-Friday date at least `days` days from today (Berlin)."""
    day = datetime.now(BERLIN).date() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def weekday_after(day: date) -> date:
    """The next Monday-to-Friday date after `day`."""
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN)


@pytest.fixture
def salon(db, business):
    """Opening hours Monday to Saturday 9–18 and one stylist, as the diary knows them."""
    location = Location(business_id=business.id, name="Salon", address="Lindenstraße 12")
    for weekday in range(6):
        location.working_hours.append(
            WorkingHours(weekday=weekday, opens_at=time(9), closes_at=time(18))
        )
    stylist = StaffMember(business_id=business.id, name="Mira")
    db.session.add_all([location, stylist])
    db.session.commit()
    return location, stylist


@pytest.fixture
def booked(customer_factory, record_factory, salon):
    """The customer's appointment four working days ahead at 11:00, with Mira."""

    def book(day: date | None = None, hour: int = 11, customer=None, **data):
        location, stylist = salon
        return record_factory(
            customer or customer_factory(),
            starts_at=local(day or weekday_ahead(4), hour),
            duration_minutes=45,
            location_id=location.id,
            staff_id=stylist.id,
            **data,
        )

    return book


def replies(db) -> list[str]:
    rows = db.session.scalars(
        select(Message.body).where(Message.direction == Direction.OUTBOUND).order_by(Message.id)
    )
    return list(rows)


def conversation(db) -> Conversation:
    return db.session.scalar(select(Conversation).where(Conversation.address == CUSTOMER_PHONE))


def notices(db, record) -> list[tuple[Notice, NotificationStatus]]:
    rows = db.session.scalars(
        select(Notification).where(Notification.record_id == record.id).order_by(Notification.id)
    )
    return [(n.notice, n.status) for n in rows]


def fresh(db, record) -> Record:
    db.session.expire_all()
    return db.session.get(Record, record.id)


# --- confirm and cancel ---------------------------------------------------------------


def test_a_confirmation_in_plain_words(db, booked, text_in):
    record = booked()
    text_in("Ja, passt mir")
    assert fresh(db, record).customer_confirmed_at is not None
    assert replies(db)[-1].startswith("Danke, Ihr Termin am ")


def test_cancelling_inside_the_window(db, booked, text_in):
    record = booked()
    text_in("Ich kann leider nicht, bitte absagen")
    record = fresh(db, record)
    assert (record.status, record.cancelled_by) == ("cancelled", "customer")
    assert "ist abgesagt" in replies(db)[-1]
    # the same event as a staff cancellation, without a second "cancelled" SMS
    assert (Notice.CANCELLATION, NotificationStatus.SCHEDULED) not in notices(db, record)
    assert (Notice.REMINDER, NotificationStatus.CANCELLED) in notices(db, record)
    assert conversation(db).inbox_status == InboxStatus.BOT


def test_cancelling_outside_the_window_is_answered_honestly_and_handed_over(
    db, booked, text_in, now
):
    record = booked(day=(now + timedelta(hours=5)).astimezone(BERLIN).date(),
                    hour=(now + timedelta(hours=5)).astimezone(BERLIN).hour)  # fmt: skip
    text_in("Muss den Termin leider stornieren")
    assert fresh(db, record).status == "confirmed"
    assert "nur bis 24 Std. vor dem Termin" in replies(db)[-1]
    assert conversation(db).inbox_status == InboxStatus.OPEN


# --- reschedule -------------------------------------------------------------------------


def test_moving_to_a_free_exact_time(db, booked, text_in):
    record = booked()
    wish = weekday_after(weekday_ahead(4))
    text_in(f"Können wir auf den {wish:%d.%m.} um 10 Uhr verschieben?")
    assert "ist frei" in replies(db)[-1]
    assert fresh(db, record).starts_at == local(weekday_ahead(4), 11)  # nothing moved yet
    assert conversation(db).state == ConversationState.RESCHEDULE_OFFERED

    text_in("ja")
    record = fresh(db, record)
    assert record.starts_at == local(wish, 10)
    assert replies(db)[-1].startswith("Erledigt: Ihr Termin ist jetzt am ")
    # the customer is not also sent "your appointment was changed"; the reminder follows
    assert (Notice.CHANGE, NotificationStatus.SCHEDULED) not in notices(db, record)
    assert notices(db, record).count((Notice.REMINDER, NotificationStatus.SCHEDULED)) == 1
    assert conversation(db).state == ConversationState.IDLE


def test_a_taken_time_gets_numbered_offers_and_two_picks_the_second(
    db, booked, customer_factory, text_in
):
    record = booked()
    wish = weekday_after(weekday_ahead(4))
    booked(day=wish, hour=15, customer=customer_factory(name="Jane", phone="0151 99999999"))
    text_in(f"Geht es am {wish:%d.%m.} um 15 Uhr?")
    offer = replies(db)[-1]
    assert offer.startswith("Die Zeit ist leider belegt. Frei wären: 1) ")
    assert "2) " in offer and "3) " in offer
    second = conversation(db).context.offers[1]

    text_in("2")
    assert fresh(db, record).starts_at == second
    assert second != local(wish, 15)


def test_a_period_gets_offers_inside_it(db, booked, text_in):
    booked()
    wish = weekday_ahead(1)  # a weekday name means its next occurrence: within a week
    weekday = format_date(wish, "EEEE", locale="de")
    text_in(f"{weekday} Nachmittag wäre besser")
    assert replies(db)[-1].startswith("Frei wären: 1) ")
    offers = list(conversation(db).context.offers)
    assert offers and all(o.astimezone(BERLIN).hour >= 12 for o in offers)


def test_no_time_given_the_bot_asks_when(db, booked, text_in):
    record = booked()
    text_in("Kann ich den Termin umlegen?")
    assert replies(db)[-1].startswith("Gern! Wann würde es Ihnen passen?")
    assert conversation(db).state == ConversationState.RESCHEDULE_COLLECTING
    assert fresh(db, record).version == 1


# --- opt-out, help ----------------------------------------------------------------------


def test_after_stop_no_sms_of_any_kind_until_start(
    db, business, booked, customer_factory, text_in, work, fake_twilio
):
    customer = customer_factory()
    text_in("STOP")
    assert replies(db) == []

    silenced = booked(customer=customer)
    work()  # nothing queued to send: the notices are skipped with the reason
    assert fake_twilio.messages == []
    assert (Notice.CONFIRMATION, NotificationStatus.SKIPPED) in notices(db, silenced)
    skipped = db.session.scalar(select(Notification).where(Notification.record_id == silenced.id))
    assert "opted out" in skipped.reason
    text_in("Was kostet ein Haarschnitt?")
    assert replies(db) == []  # not even the hand-over reply

    text_in("START")
    db.session.expire_all()
    assert customer.address(AddressKind.TEL).opted_out_at is None
    welcome = booked(customer=customer, day=weekday_ahead(8))
    assert (Notice.CONFIRMATION, NotificationStatus.SCHEDULED) in notices(db, welcome)


def test_help_names_the_business_and_how_to_stop(db, booked, text_in):
    booked()
    text_in("HELP")
    assert replies(db)[-1].startswith("Salon Sonnenschein: ")
    assert "STOP" in replies(db)[-1]


# --- answers that must not act ------------------------------------------------------------


def test_no_to_offers_and_to_the_question_when_never_cancels(db, booked, text_in):
    record = booked()
    wish = weekday_after(weekday_ahead(4))
    text_in(f"Geht es am {wish:%d.%m.} um 10 Uhr?")
    text_in("nein")
    assert replies(db)[-1].startswith("Gern! Wann würde es Ihnen passen?")
    text_in("Nein danke")
    assert fresh(db, record).status == "confirmed"
    assert replies(db)[-1].startswith("Alles klar, Ihr Termin bleibt am ")
    assert conversation(db).state == ConversationState.IDLE


def test_an_appointment_cancelled_by_staff_between_offer_and_pick_moves_nothing(
    db, business, booked, text_in, now
):
    from bot.services.records import update_record

    first = booked()
    second = booked(day=weekday_ahead(9), customer=first.customer)
    conversation_context = ConversationContext(record_id=first.id)
    text_in("Hallo")  # opens the conversation; the last notice was about the first one
    row = conversation(db)
    row.context, row.inbox_status = conversation_context, InboxStatus.RESOLVED
    db.session.commit()
    wish = weekday_after(weekday_ahead(4))
    text_in(f"Geht es am {wish:%d.%m.} um 10 Uhr?")
    assert "ist frei" in replies(db)[-1]

    update_record(
        db.session, business, fresh(db, first), RecordChanges(status="cancelled"), now=now
    )
    db.session.commit()
    text_in("ja")
    assert fresh(db, second).starts_at == local(weekday_ahead(9), 11)  # untouched
    assert conversation(db).inbox_status == InboxStatus.OPEN


def test_offers_avoid_the_booked_time_and_nothing_moves_before_the_pick(
    db, booked, customer_factory, text_in
):
    record = booked()
    wish = weekday_after(weekday_ahead(4))
    booked(day=wish, hour=15, customer=customer_factory(name="Jane", phone="0151 99999999"))
    text_in(f"Geht es am {wish:%d.%m.} um 15 Uhr?")
    offers = list(conversation(db).context.offers)
    taken = (local(wish, 15), local(wish, 15, 45))
    for offer in offers:
        assert not (offer < taken[1] and taken[0] < offer + timedelta(minutes=45))
        assert abs(offer - local(wish, 15)) <= timedelta(days=1)
    assert fresh(db, record).starts_at == local(weekday_ahead(4), 11)
    text_in("1")
    assert fresh(db, record).starts_at == offers[0]
    assert (Notice.CHANGE, NotificationStatus.SCHEDULED) not in notices(db, fresh(db, record))


def test_when_the_business_takes_no_cancellations_by_text_it_says_so(db, business, booked, text_in):
    business.cancellation_window_hours = None
    db.session.commit()
    record = booked()
    text_in("Bitte absagen")
    assert fresh(db, record).status == "confirmed"
    assert replies(db)[-1].startswith("Absagen nehmen wir nicht per SMS an.")


def test_a_notice_planned_before_stop_is_skipped_when_its_time_comes_and_start_restores(
    db, business, booked, customer_factory, text_in, work, fake_twilio
):
    from outbound.jobs import run_dispatch_pass

    customer = customer_factory()
    record = booked(customer=customer)  # confirmation and a reminder are planned
    text_in("STOP")
    reminder_time = fresh(db, record).starts_at - timedelta(hours=24)
    run_dispatch_pass(reminder_time, send_inline=True)
    assert fake_twilio.messages == []
    assert {status for _, status in notices(db, record)} == {NotificationStatus.SKIPPED}

    text_in("START")
    booked(customer=customer, day=weekday_ahead(9))
    run_dispatch_pass(datetime.now(BERLIN), send_inline=True)
    assert [m.to for m in fake_twilio.messages] == [CUSTOMER_PHONE]


def test_a_move_the_customer_picked_tells_the_business_s_webhooks(db, business, booked, text_in):
    from bot.models import WebhookDelivery
    from bot.services.commands import WebhookEndpointChanges
    from bot.services.webhook_endpoints import create_endpoint

    create_endpoint(
        db.session,
        business,
        WebhookEndpointChanges(
            url="https://crm.example/hooks", events=["record.rescheduled_by_customer"]
        ),
        allow_private_urls=True,
    )
    db.session.commit()
    record = booked()
    wish = weekday_after(weekday_ahead(4))
    text_in(f"Geht es am {wish:%d.%m.} um 15 Uhr?")
    assert db.session.scalars(select(WebhookDelivery)).all() == []  # nothing moved yet
    text_in("ja")

    (delivery,) = db.session.scalars(select(WebhookDelivery)).all()
    data = delivery.payload["data"]
    assert delivery.event_type == "record.rescheduled_by_customer"
    assert data["record_id"] == record.id
    assert datetime.fromisoformat(data["starts_at"]) == local(wish, 15)
    assert datetime.fromisoformat(data["previous_starts_at"]) == local(weekday_ahead(4), 11)
