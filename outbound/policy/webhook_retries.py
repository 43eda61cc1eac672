"""When an outgoing webhook is tried again after a failed try: within seconds at first (the
first three tries fall inside a minute, so a receiver that blinked gets the event while it is
fresh), then ever more rarely, for about a day in all; then the delivery has failed."""

from __future__ import annotations

from datetime import timedelta

# The wait after the 1st, 2nd, … failed try; after the last one the delivery fails.
RETRY_DELAYS = (
    timedelta(seconds=5),
    timedelta(seconds=20),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=7),
    timedelta(hours=9),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1


def retry_delay(attempts: int) -> timedelta | None:
    """How long to wait before the next try after `attempts` tries (1 or more) failed,
    or None when that was the last try."""
    if attempts < 1:
        raise ValueError("retry_delay counts failed tries from 1")
    if attempts > len(RETRY_DELAYS):
        return None
    return RETRY_DELAYS[attempts - 1]
