"""The inbox's life cycle (pure): which status follows a customer's text, a staff
message and the clock, and when the bot stays quiet."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conversations.inbox import (
    InboxStatus,
    after_customer_text,
    after_staff_message,
    staff_awaits_answer,
    staff_holds,
)

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "handed_over", "after"),
    [
        (InboxStatus.BOT, False, InboxStatus.BOT),  # the bot handled it
        (InboxStatus.BOT, True, InboxStatus.OPEN),  # the bot handed it over
        (InboxStatus.OPEN, False, InboxStatus.OPEN),
        (InboxStatus.OPEN, True, InboxStatus.OPEN),
        (InboxStatus.PENDING, False, InboxStatus.OPEN),  # the customer answered staff
        (InboxStatus.PENDING, True, InboxStatus.OPEN),
        (InboxStatus.SNOOZED, False, InboxStatus.OPEN),  # a reply ends a snooze
        (InboxStatus.RESOLVED, False, InboxStatus.OPEN),  # a new text opens it again
        (InboxStatus.RESOLVED, True, InboxStatus.OPEN),
    ],
)
def test_a_customer_text(status, handed_over, after):
    assert after_customer_text(status, handed_over=handed_over) == after


@pytest.mark.parametrize("status", list(InboxStatus))
def test_a_staff_message_waits_for_the_customer(status):
    assert after_staff_message(status) == InboxStatus.PENDING


def test_the_bot_stays_quiet_while_staff_hold_it():
    holding = {status for status in InboxStatus if staff_holds(status)}
    assert holding == {InboxStatus.OPEN, InboxStatus.PENDING, InboxStatus.SNOOZED}
    waiting = {status for status in InboxStatus if staff_awaits_answer(status)}
    assert waiting == {InboxStatus.PENDING}
