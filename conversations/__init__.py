"""Pure reading of customer replies and the conversation state machine: `interpret` reads one
message into an `Interpretation`, and `step` turns that reading into the action the bot takes and
the reply it sends. Nothing here imports Flask, SQLAlchemy, RQ or the network, and "now" is always
a parameter.
"""

from conversations.context import ConversationContext
from conversations.engine import step
from conversations.intents import Intent, Interpretation
from conversations.reading import carrier_interpretation, interpret, warm_up
from conversations.steps import (
    Action,
    Appointment,
    Handover,
    Reply,
    ReplyKey,
    Situation,
    Step,
)

__all__ = [
    "Action",
    "Appointment",
    "ConversationContext",
    "Handover",
    "Reply",
    "ReplyKey",
    "Situation",
    "Step",
    "Intent",
    "Interpretation",
    "carrier_interpretation",
    "interpret",
    "step",
    "warm_up",
]
