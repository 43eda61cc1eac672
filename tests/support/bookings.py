"""Customers with an appointment each, booked through the project's own services as a
calendar would book them, so the default rules plan their notices: for the tests and
benchmarks that need many notices due at once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.models import Business
from bot.services.commands import CustomerChanges, RecordChanges
from bot.services.customers import create_customer
from bot.services.records import create_record


def book_appointments(
    session: Session,
    business: Business,
    count: int,
    *,
    now: datetime,
    starts_in: timedelta,
    first_phone: int = 0,
) -> dict[int, str]:
    """`count` customers of `business` with SMS consent and one 45-minute appointment each,
    `starts_in` from `now` (on the hour, then every quarter of an hour), committed every 50;
    returns each customer's id with their phone number (+49151 and eight digits, counting
    from `first_phone`). The default rules plan a confirmation due now for each."""
    starts_at = (now + starts_in).replace(minute=0, second=0, microsecond=0)
    phones = {}
    for number in range(first_phone, first_phone + count):
        phone = f"+49151{number:08d}"
        customer = create_customer(
            session,
            business,
            CustomerChanges.from_fields(
                {"name": f"Kundin {number}", "phone": phone, "sms_consent": True}
            ),
        )
        create_record(
            session,
            business,
            RecordChanges(
                customer_id=customer.id,
                kind="appointment",
                starts_at=starts_at + timedelta(minutes=15 * (number % 40)),
                duration_minutes=45,
                source="calendar",
            ),
            now=now,
        )
        phones[customer.id] = phone
        if len(phones) % 50 == 0:
            session.commit()
    session.commit()
    return phones
