"""Reading a wall-clock time typed in the business's zone (`local_to_utc`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.errors import DomainError
from bot.services.calendar_view import local_to_utc


def test_a_usual_time_is_read_in_the_zone():
    moment = local_to_utc(datetime(2027, 1, 15, 10, 30), "Europe/Berlin")
    assert moment == datetime(2027, 1, 15, 9, 30, tzinfo=UTC)
    assert moment.tzinfo is UTC


def test_a_time_the_clocks_skip_is_refused_with_a_code():
    with pytest.raises(DomainError) as refused:
        local_to_utc(datetime(2027, 3, 28, 2, 30), "Europe/Berlin")
    assert refused.value.code == "skipped_time"
    assert refused.value.field == "starts_at"


def test_a_time_the_clocks_pass_twice_is_the_first_one():
    assert local_to_utc(datetime(2027, 10, 31, 2, 30), "Europe/Berlin") == datetime(
        2027, 10, 31, 0, 30, tzinfo=UTC
    )


def test_an_aware_time_is_only_converted():
    typed = datetime(2027, 3, 28, 2, 30, tzinfo=timezone(timedelta(hours=5)))
    assert local_to_utc(typed, "Europe/Berlin") == datetime(2027, 3, 27, 21, 30, tzinfo=UTC)
