"""The demo: a German salon with staff, services, opening hours, customers in three
languages and upcoming appointments, an owner and a staff login, canned replies, and
conversations waiting in the shared inbox; loading it again adds nothing but a new
appointment for a customer whose appointments have all passed and a new demo API key."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from bot.models import (
    ApiKey,
    Business,
    CannedReply,
    Customer,
    Location,
    Service,
    StaffMember,
    User,
    UserRole,
    WorkingHours,
    utcnow,
)
from bot.services.businesses import create_api_key, create_business
from bot.services.commands import CustomerChanges, RecordChanges
from bot.services.customers import create_customer
from bot.services.inbound import Outcome, handle_inbound
from bot.services.inbox import inbox_counts
from bot.services.inbox import reply as staff_reply
from bot.services.records import create_record, upcoming_appointments

DEMO_EMAIL = "demo@replydesk.local"
DEMO_PASSWORD = "demo-password"
DEMO_SENDER = "+4930555010"  # never a real Twilio number: the demo uses the simulator
STAFF_EMAIL = "mira@replydesk.local"
STAFF_PASSWORD = "demo-password"

CANNED_REPLIES = (
    (
        "Öffnungszeiten",
        "Wir haben Montag bis Freitag von 9 bis 13 und von 14 bis 19 Uhr geöffnet, "
        "samstags von 9 bis 14 Uhr.",
    ),
    (
        "Parken",
        "Parkplätze finden Sie in der Lindenstraße und im Parkhaus am Mehringplatz, "
        "zwei Minuten zu Fuß.",
    ),
    (
        "Rückruf",
        "Danke für Ihre Nachricht! Wir rufen Sie heute noch zurück.",
    ),
)

# The texts waiting in the inbox: (fixed MessageSid, sender, text). A sender that is a
# demo customer's name writes from their number; otherwise it is an unknown number.
UNKNOWN_NUMBER = "+491715550199"
INBOX_TEXTS = (
    (
        "SM" + "de" * 15 + "01",
        "Ursula Hoffmann",
        "Kann ich meine Tochter mitbringen? Sie bräuchte auch einen Haarschnitt.",
    ),
    (
        "SM" + "de" * 15 + "02",
        UNKNOWN_NUMBER,
        "Hallo, ist bei euch morgen um 10 noch ein Termin frei?",
    ),
    (
        "SM" + "de" * 15 + "03",
        "Klaus Becker",
        "Kann ich bei euch auch mit Karte zahlen?",
    ),
)
# The staff answer to the third text, so one conversation waits for the customer.
STAFF_ANSWER = "Ja, bei uns können Sie mit EC- und Kreditkarte zahlen. Bis bald, Mira"

CUSTOMERS = (
    {"name": "Ursula Hoffmann", "phone": "0151 12345678", "sms_consent": True, "locale": "de"},
    {"name": "Jane Miller", "phone": "+44 7911 123456", "sms_consent": True, "locale": "en"},
    {"name": "Sanne de Vries", "phone": "+31 6 12345678", "sms_consent": True, "locale": "nl"},
    {
        "name": "Klaus Becker",
        "phone": "0160 98765432",
        "email": "klaus.becker@example.com",
        "sms_consent": True,
        "email_consent": True,
        "locale": "de",
    },
)


def load_demo(session: Session, *, now: datetime) -> dict[str, Any]:
    """Create (or top up) the demo and return what `make run` prints."""
    user = session.scalar(select(User).where(User.email == DEMO_EMAIL))
    if user is None:
        business = _create_business(session)
        user = User(
            business_id=business.id,
            email=DEMO_EMAIL,
            name="Demo Owner",
            role=UserRole.OWNER,
            password_hash=generate_password_hash(DEMO_PASSWORD),
        )
        session.add(user)
        for data in CUSTOMERS:
            create_customer(session, business, CustomerChanges.from_fields(data))
        session.flush()
    business = session.get(Business, user.business_id)
    staff = _ensure_staff_user(session, business)
    _ensure_canned_replies(session, business)
    _ensure_upcoming_appointments(session, business, now)
    _ensure_inbox(session, business, staff, now)
    # The demo key is replaced on every load, so the one printed works.
    session.execute(
        update(ApiKey)
        .where(ApiKey.business_id == business.id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    api_key = create_api_key(session, business, name="demo")
    return {
        "business_id": business.id,
        "login": {"email": DEMO_EMAIL, "password": DEMO_PASSWORD},
        "staff_login": {"email": STAFF_EMAIL, "password": STAFF_PASSWORD},
        "api_key": api_key,
        "inbox": _inbox_counts(session, business),
    }


def _ensure_staff_user(session: Session, business: Business) -> User:
    """A colleague with the staff role, so the inbox has someone to assign to."""
    staff = session.scalar(select(User).where(User.email == STAFF_EMAIL))
    if staff is None:
        staff = User(
            business_id=business.id,
            email=STAFF_EMAIL,
            name="Mira",
            role=UserRole.STAFF,
            password_hash=generate_password_hash(STAFF_PASSWORD),
        )
        session.add(staff)
        session.flush()
    return staff


def _ensure_canned_replies(session: Session, business: Business) -> None:
    kept = set(
        session.scalars(select(CannedReply.title).where(CannedReply.business_id == business.id))
    )
    for title, body in CANNED_REPLIES:
        if title not in kept:
            session.add(CannedReply(business_id=business.id, title=title, body=body))
    session.flush()


def _ensure_inbox(session: Session, business: Business, staff: User, now: datetime) -> None:
    """Let the demo customers (and a stranger) text the salon, as the webhook would."""
    phones = {
        customer.name: customer.phone
        for customer in session.scalars(select(Customer).where(Customer.business_id == business.id))
    }
    # The texts take the real path (the bot reads them, hands over with its reason and
    # queues its reply); their MessageSids are fixed, so a second load finds them
    # processed and adds nothing.
    for sid, sender, text in INBOX_TEXTS:
        form = {
            "MessageSid": sid,
            "From": phones.get(sender, sender),
            "To": business.sms_from,
            "Body": text,
        }
        result = handle_inbound(session, form, now=now)
        if result.outcome == Outcome.HANDLED and sid == INBOX_TEXTS[-1][0]:
            # After the bot's answer, which carries the clock's time, not `now`.
            answered_at = max(now, utcnow())
            staff_reply(
                session, business, result.conversation, STAFF_ANSWER, now=answered_at, user=staff
            )


def _inbox_counts(session: Session, business: Business) -> dict[str, int]:
    """How many conversations wait for staff (open) and for the customer (pending)."""
    counts = inbox_counts(session, business, None)
    return {"open": counts["open"], "pending": counts["pending"]}


def _create_business(session: Session) -> Business:
    business = create_business(
        session,
        name="Salon Sonnenschein",
        timezone="Europe/Berlin",
        locale="de",
        region="DE",
        sms_from=DEMO_SENDER,
    ).business
    business.booking_url = "https://salon-sonnenschein.example/buchen"
    business.notification_email = "team@salon-sonnenschein.example"
    business.cancellation_window_hours = 24
    location = Location(
        business_id=business.id, name="Salon Sonnenschein", address="Lindenstraße 12, 10969 Berlin"
    )
    for weekday in range(5):  # Monday to Friday, with a lunch break
        location.working_hours.append(
            WorkingHours(weekday=weekday, opens_at=time(9), closes_at=time(13))
        )
        location.working_hours.append(
            WorkingHours(weekday=weekday, opens_at=time(14), closes_at=time(19))
        )
    location.working_hours.append(WorkingHours(weekday=5, opens_at=time(9), closes_at=time(14)))
    session.add(location)
    session.add_all(
        [
            StaffMember(business_id=business.id, name="Mira"),
            StaffMember(business_id=business.id, name="Jonas"),
            Service(
                business_id=business.id,
                name="Haarschnitt",
                category="Haare",
                duration_minutes=45,
                rebook_interval_days=42,
            ),
            Service(
                business_id=business.id,
                name="Färben",
                category="Haare",
                duration_minutes=90,
                rebook_interval_days=56,
            ),
        ]
    )
    session.flush()
    return business


def _ensure_upcoming_appointments(session: Session, business: Business, now: datetime) -> None:
    location = session.scalar(select(Location).where(Location.business_id == business.id))
    staff = session.scalars(select(StaffMember).where(StaffMember.business_id == business.id)).all()
    service = session.scalar(select(Service).where(Service.business_id == business.id))
    customers = session.scalars(
        select(Customer).where(Customer.business_id == business.id).order_by(Customer.id)
    ).all()
    zone = ZoneInfo(business.timezone)
    for index, customer in enumerate(customers):
        # Only a customer whose appointments have all passed gets a new one, so the
        # phone simulator always has something to confirm.
        if upcoming_appointments(session, business, customer.id, now=now):
            continue
        day = _next_weekday(now.astimezone(zone).date() + timedelta(days=1 + index))
        starts_at = datetime.combine(day, time(10 + 2 * (index % 4)), tzinfo=zone)
        create_record(
            session,
            business,
            RecordChanges(
                kind="appointment",
                customer_id=customer.id,
                starts_at=starts_at.astimezone(UTC),
                source="calendar",
                location_id=location.id if location else None,
                staff_id=staff[index % len(staff)].id if staff else None,
                service_id=service.id if service else None,
            ),
            now=now,
        )


def _next_weekday(day):
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day
