"""What a customer's message means: the `Intent`s, and the `Interpretation` of one message that
`conversations.interpret` returns (an intent; for a reschedule the new start or the period named;
the carrier keyword the whole message was, if any).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class Intent(enum.StrEnum):
    CONFIRM = "confirm"  # the customer will come ("ja", "C", "see you then")
    CANCEL = "cancel"  # the customer wants the appointment cancelled
    RESCHEDULE = "reschedule"  # the customer asks for another time or day
    OPT_OUT = "opt_out"  # no more messages on this channel
    OPT_IN = "opt_in"  # messages welcome again after an opt-out
    HELP = "help"  # asks what this number is or how it works
    OTHER = "other"  # anything else: questions, thanks, running late …


@dataclass(frozen=True)
class Interpretation:
    """The meaning of one message.

    `start` is the exact new start a reschedule asks for (timezone-aware), or
    None; `window` is a `(start, end)` period when only a period was named.
    """

    intent: Intent
    start: datetime | None = None
    window: tuple[datetime, datetime] | None = None
    # The carrier keyword the whole message was, lower case: the carrier has already acted on
    # it (blocked the number on STOP, answered HELP itself).
    keyword: str | None = None
