"""The shared inbox's life cycle: which `InboxStatus` a conversation moves to after a customer's
text or a staff message, and whether the bot may speak in it. Pure: the caller stores the result.
"""

from __future__ import annotations

import enum


class InboxStatus(enum.StrEnum):
    BOT = "bot"  # the bot handles it; nothing for staff to do
    OPEN = "open"  # needs a person
    PENDING = "pending"  # staff answered, waiting for the customer
    SNOOZED = "snoozed"  # put aside until a time or the customer's next text
    RESOLVED = "resolved"  # done


# A person is working these conversations: the bot keeps quiet in them.
STAFF_HOLDS = frozenset({InboxStatus.OPEN, InboxStatus.PENDING, InboxStatus.SNOOZED})


def staff_holds(status: InboxStatus) -> bool:
    """Whether staff hold the conversation, so the bot answers nothing in it."""
    return status in STAFF_HOLDS


def staff_awaits_answer(status: InboxStatus) -> bool:
    """Whether staff wrote last and wait for the customer: the answer is theirs."""
    return status == InboxStatus.PENDING


def after_customer_text(status: InboxStatus, *, handed_over: bool) -> InboxStatus:
    """The status once the customer's text is read: open when the bot handed it over
    or staff had it in hand (pending, snoozed) or had resolved it; else unchanged."""
    if status == InboxStatus.BOT:
        return InboxStatus.OPEN if handed_over else InboxStatus.BOT
    return InboxStatus.OPEN


def after_staff_message(status: InboxStatus) -> InboxStatus:
    """A staff message waits for the customer's answer."""
    return InboxStatus.PENDING
