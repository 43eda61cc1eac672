"""Customer link tokens and the cancellation window for them (R1.11)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer

from outbound.policy.links import (
    LINK_MAX_AGE,
    LinkPurpose,
    cancel_blocker,
    link_url,
    make_token,
    read_token,
)

SECRET = "test-secret"
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
START = NOW + timedelta(days=3)


def test_a_token_names_the_record_and_its_version():
    token = make_token(SECRET, LinkPurpose.CANCEL, 17, 3, now=NOW)

    target = read_token(SECRET, LinkPurpose.CANCEL, token, now=NOW + timedelta(days=1))

    assert (target.record_id, target.version, target.signed_at) == (17, 3, NOW)
    assert all(c.isalnum() or c in "-_." for c in token)  # safe in a URL path


def test_a_token_is_only_good_for_its_purpose():
    token = make_token(SECRET, LinkPurpose.CALENDAR, 17, 3, now=NOW)

    assert read_token(SECRET, LinkPurpose.CANCEL, token, now=NOW) is None
    assert read_token(SECRET, LinkPurpose.CALENDAR, token, now=NOW) is not None


@pytest.mark.parametrize(
    "token",
    [
        make_token("another-secret", LinkPurpose.CANCEL, 17, 3, now=NOW),  # forged
        make_token(SECRET, LinkPurpose.CANCEL, 17, 3, now=NOW)[:-2] + "xx",  # tampered
        "not-a-token",
        "",
    ],
)
def test_forged_tampered_and_garbage_tokens_name_nothing(token):
    assert read_token(SECRET, LinkPurpose.CANCEL, token, now=NOW) is None


def test_a_token_expires():
    token = make_token(SECRET, LinkPurpose.CANCEL, 17, 3, now=NOW)

    assert read_token(SECRET, LinkPurpose.CANCEL, token, now=NOW + LINK_MAX_AGE) is not None
    expired = NOW + LINK_MAX_AGE + timedelta(seconds=1)
    assert read_token(SECRET, LinkPurpose.CANCEL, token, now=expired) is None


def test_a_signed_payload_of_another_shape_names_nothing():
    # Signed with the right key and salt, but not a [record id, version] pair.
    odd = URLSafeTimedSerializer(SECRET, salt="replydesk.link.cancel").dumps({"record": 17})

    assert read_token(SECRET, LinkPurpose.CANCEL, odd, now=datetime.now(UTC)) is None


def test_links_point_below_the_public_url():
    cancel = link_url("https://replydesk.test/", SECRET, LinkPurpose.CANCEL, 17, 3, now=NOW)
    calendar = link_url("https://replydesk.test", SECRET, LinkPurpose.CALENDAR, 17, 3, now=NOW)

    assert cancel.startswith("https://replydesk.test/c/")
    assert calendar.startswith("https://replydesk.test/calendar/") and calendar.endswith(".ics")
    token = cancel.removeprefix("https://replydesk.test/c/")
    assert read_token(SECRET, LinkPurpose.CANCEL, token, now=NOW).record_id == 17


@pytest.mark.parametrize(
    ("window", "kind", "status", "starts_at", "reason"),
    [
        (24, "appointment", "confirmed", START, None),
        (24, "appointment", "pending", START, None),
        (72, "appointment", "confirmed", START, None),  # exactly at the deadline still counts
        (73, "appointment", "confirmed", START, "until 73 hours before"),
        (None, "appointment", "confirmed", START, "does not let customers cancel"),
        (24, "appointment", "cancelled", START, "appointment is cancelled"),
        (24, "appointment", "completed", START, "appointment is completed"),
        (24, "order", "received", START, "only appointments"),
        (24, "appointment", "confirmed", None, "only appointments"),
    ],
)
def test_who_may_cancel_when(window, kind, status, starts_at, reason):  # R1.11
    blocker = cancel_blocker(
        window_hours=window, kind=kind, status=status, starts_at=starts_at, now=NOW
    )
    if reason is None:
        assert blocker is None
    else:
        assert reason in blocker
