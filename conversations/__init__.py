"""Pure reading of customer replies and the conversation state machine.

Nothing here imports Flask, SQLAlchemy, RQ or the network, and the clock is
a parameter: a message's meaning depends only on its text and the facts it is
given (DESIGN.md §2, §4). `interpret` reads one message; `decide` turns the
reading into the action the bot takes and the reply it sends.
"""

from conversations.engine import Action, Decision, decide
from conversations.intents import Intent, Interpretation
from conversations.reading import carrier_interpretation, interpret

__all__ = [
    "Action",
    "Decision",
    "Intent",
    "Interpretation",
    "carrier_interpretation",
    "decide",
    "interpret",
]
