"""The outgoing webhooks' backoff: the first three tries fall within a minute, later ones ever
more rarely, the last about a day after the first; then the delivery has failed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from outbound.policy.webhook_retries import MAX_ATTEMPTS, RETRY_DELAYS, retry_delay


def test_the_first_three_tries_fall_within_a_minute():
    third_try = retry_delay(1) + retry_delay(2)
    assert third_try < timedelta(minutes=1)
    assert retry_delay(1) == timedelta(seconds=5)


def test_later_tries_come_ever_more_rarely_for_about_a_day():
    assert list(RETRY_DELAYS) == sorted(set(RETRY_DELAYS))
    assert timedelta(hours=20) < sum(RETRY_DELAYS, timedelta()) <= timedelta(hours=26)


def test_after_the_last_try_there_is_none():
    assert retry_delay(MAX_ATTEMPTS - 1) == RETRY_DELAYS[-1]
    assert retry_delay(MAX_ATTEMPTS) is None
    with pytest.raises(ValueError):
        retry_delay(0)
