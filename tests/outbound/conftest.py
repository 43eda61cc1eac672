"""Fixtures for the outbound tests: the appointment time the send tests book."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.support.times import BERLIN


@pytest.fixture
def starts_at(now):
    """14:00 in Berlin three days ahead: the 24-hour reminder is not due yet."""
    day = (now.astimezone(BERLIN) + timedelta(days=3)).date()
    return datetime(day.year, day.month, day.day, 14, 0, tzinfo=BERLIN)
