"""A message context with every variable set, shared by the sandbox tests and
bench/template_limits.py, so both render the payloads against the same data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from outbound.policy.rendering import message_context

START = datetime(2026, 4, 23, 12, 0, tzinfo=UTC)  # 14:00 in Berlin


def full_context(locale: str = "de") -> dict:
    """Every variable set, like a customer's notice with staff, service and links."""
    return message_context(
        business={"name": "Salon Sonnenschein", "phone": "+4930123456", "email": None},
        customer={"name": "Ursula Hoffmann", "phone": "+4915112345678", "email": None},
        starts_at=START,
        timezone="Europe/Berlin",
        locale=locale,
        location={"name": "Mitte", "address": "Torstraße 1, Berlin"},
        staff={"name": "Jane"},
        service={"name": "Haarschnitt", "category": "Haare", "duration_minutes": 45},
        status="confirmed",
        booking_url="https://salon.example/buchen",
        new_start=START + timedelta(days=1),
        slots=tuple(START + timedelta(days=1, hours=hours) for hours in (0, 1, 3)),
        appointments=(START, START + timedelta(days=7)),
        window_hours=24,
        cancel_url="https://replydesk.example/c/token",
        calendar_url="https://replydesk.example/calendar/token.ics",
    )
