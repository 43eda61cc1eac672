"""What a customer's message means: the intents and the `Interpretation` of one message.

`Interpretation` is what `conversations.interpret` returns
(docs/ARCHITECTURE.md, "Packages"): an intent, and for a reschedule the exact
new start or the period the customer named. `keyword` is set when the whole
message was one of the carrier's single-word keywords, because the carrier has
then already acted on it (blocked the number on STOP, answered HELP itself).
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
    keyword: str | None = None  # the carrier keyword the whole message was, lower case
