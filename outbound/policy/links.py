"""Customer links: signed, expiring URLs that let a customer act on one appointment
without logging in (R1.11, the "calendar link" of the message texts).

A token is itsdangerous' URLSafeTimedSerializer over the record's id and
version, keyed with SECRET_KEY and salted per purpose, so a calendar token
cannot be replayed as a cancel token and nobody without the key can make
either. Tokens expire after `LINK_MAX_AGE`; the cancel page also refuses a
token whose version is older than the record's (the appointment changed
since the message that carried the link). Whether a customer may still cancel
is `cancel_blocker`, the same rule as cancelling by text: not when the
business turned it off (no window), not inside the window before the start.
Pure: no database, no Flask, no network; the clock is a parameter.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer

# Long enough for an appointment booked far ahead; the cancel window and the
# record's status limit what an old link can still do anyway.
LINK_MAX_AGE = timedelta(days=400)
# Appointment statuses a customer can still call off.
CANCELLABLE_STATUSES = frozenset({"confirmed", "pending"})


class LinkPurpose(enum.StrEnum):
    CANCEL = "cancel"  # the page that shows the appointment and lets the customer cancel it
    CALENDAR = "calendar"  # the appointment card (.ics) to download


# Where each link points, below PUBLIC_BASE_URL; `bot.web.links` serves these paths.
LINK_PATHS = {
    LinkPurpose.CANCEL: "/c/{token}",
    LinkPurpose.CALENDAR: "/calendar/{token}.ics",
}


@dataclass(frozen=True)
class LinkTarget:
    """What a valid token names: the record and the version it had when signed."""

    record_id: int
    version: int
    signed_at: datetime


class _ClockSigner(TimestampSigner):
    """A timestamp signer that reads the given instant instead of the system clock."""

    def __init__(self, *args, clock: datetime, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clock = clock

    def get_timestamp(self) -> int:
        return int(self._clock.timestamp())


def _serializer(secret_key: str, purpose: LinkPurpose, now: datetime) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        secret_key,
        salt=f"replydesk.link.{purpose.value}",
        signer=_ClockSigner,
        signer_kwargs={"clock": now},
    )


def make_token(
    secret_key: str, purpose: LinkPurpose, record_id: int, version: int, *, now: datetime
) -> str:
    """A URL-safe token naming `record_id` at `version` for `purpose`, signed at `now`."""
    return _serializer(secret_key, purpose, now).dumps([record_id, version])


def read_token(
    secret_key: str,
    purpose: LinkPurpose,
    token: str,
    *,
    now: datetime,
    max_age: timedelta = LINK_MAX_AGE,
) -> LinkTarget | None:
    """What `token` names, or None when it is forged, made for another purpose,
    malformed or older than `max_age` at `now`."""
    try:
        payload, signed_at = _serializer(secret_key, purpose, now).loads(
            token, max_age=int(max_age.total_seconds()), return_timestamp=True
        )
    except BadData:
        return None
    if (
        not isinstance(payload, list)
        or len(payload) != 2
        or not all(type(part) is int for part in payload)
    ):
        return None
    return LinkTarget(record_id=payload[0], version=payload[1], signed_at=signed_at)


def link_url(
    public_base_url: str,
    secret_key: str,
    purpose: LinkPurpose,
    record_id: int,
    version: int,
    *,
    now: datetime,
) -> str:
    """The full customer link for `purpose` on the record, below `public_base_url`."""
    token = make_token(secret_key, purpose, record_id, version, now=now)
    return public_base_url.rstrip("/") + LINK_PATHS[purpose].format(token=token)


def cancel_blocker(
    *,
    window_hours: int | None,
    kind: str,
    status: str,
    starts_at: datetime | None,
    now: datetime,
) -> str | None:
    """Why the customer cannot cancel this record themselves at `now`, in words, or
    None when they can. `window_hours` None means the business turned it off (R1.11);
    otherwise cancelling ends `window_hours` before the start, as by text."""
    if kind != "appointment" or starts_at is None:
        return "only appointments can be cancelled by the customer"
    if status not in CANCELLABLE_STATUSES:
        return f"appointment is {status}"
    if window_hours is None:
        return "the business does not let customers cancel themselves"
    if now > starts_at - timedelta(hours=window_hours):
        return f"cancelling is possible until {window_hours} hours before the appointment"
    return None
