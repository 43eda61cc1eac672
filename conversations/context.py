"""What a conversation remembers between two messages, as one frozen value: `ConversationContext`
(the appointment in question, the times offered, the open "shall I cancel?", the appointments to
choose from and the unclear answers in a row), with `to_json` and `from_json` for the JSON object
the database stores.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from conversations.intents import Intent


@dataclass(frozen=True)
class AppointmentVersion:
    """An appointment as it was when the bot spoke about it: a change of time or
    status bumps the version, and what was said about the old one no longer holds."""

    record_id: int
    version: int


@dataclass(frozen=True)
class CancelQuestion:
    """The bot asked "shall I cancel your appointment on …?" about this appointment."""

    about: AppointmentVersion
    asked_at: datetime


@dataclass(frozen=True)
class PendingWish:
    """What the customer wanted while the bot asked which appointment they meant."""

    intent: Intent = Intent.OTHER
    plain: bool = False  # a cancel with nothing else in it (`conversations.plain`)
    start: datetime | None = None
    window: tuple[datetime, datetime] | None = None


@dataclass(frozen=True)
class ConversationContext:
    """What the conversation remembers; the empty context remembers nothing. Frozen: a
    change is a new value (`dataclasses.replace`)."""

    record_id: int | None = None  # the appointment the exchange is about
    offers: tuple[datetime, ...] = ()  # the times offered, numbered from 1
    offered_for: AppointmentVersion | None = None
    offered_at: datetime | None = None
    cancel_asked: CancelQuestion | None = None
    choices: tuple[int, ...] = ()  # the appointments (record ids) the customer picks from
    pending: PendingWish | None = None  # the wish to act on once one is picked
    failures: int = 0  # unclear answers in a row

    def without_offers(self) -> ConversationContext:
        return replace(self, offers=(), offered_for=None, offered_at=None)

    def settled(self, *, keep_question: bool) -> ConversationContext:
        """The question is settled: offers, choices and failures are forgotten, and the
        "shall I cancel?" too unless it is the question now open."""
        return replace(
            self.without_offers(),
            choices=(),
            pending=None,
            failures=0,
            cancel_asked=self.cancel_asked if keep_question else None,
        )

    def to_json(self) -> dict[str, Any]:
        """The JSON object stored for this context; keys at their default are left out."""
        stored: dict[str, Any] = {}
        if self.record_id is not None:
            stored["record_id"] = self.record_id
        if self.offers:
            stored["offers"] = [offer.isoformat() for offer in self.offers]
        if self.offered_for is not None:
            stored["offered_for"] = _version_json(self.offered_for)
        if self.offered_at is not None:
            stored["offered_at"] = self.offered_at.isoformat()
        if self.failures:
            stored["failures"] = self.failures
        if self.cancel_asked is not None:
            stored["cancel_asked"] = {
                **_version_json(self.cancel_asked.about),
                "at": self.cancel_asked.asked_at.isoformat(),
            }
        if self.choices:
            stored["choices"] = list(self.choices)
        if self.pending is not None:
            window = self.pending.window
            stored["pending"] = {
                "intent": self.pending.intent.value,
                "plain": self.pending.plain,
                "start": self.pending.start.isoformat() if self.pending.start else None,
                "window": [edge.isoformat() for edge in window] if window else None,
            }
        return stored

    @classmethod
    def from_json(cls, stored: Mapping[str, Any] | None) -> ConversationContext:
        """The context a stored JSON object describes (None or not an object: empty). Any
        stored object reads, older ones included: a missing or unreadable key takes its
        default, an unknown key is ignored."""
        if not isinstance(stored, Mapping):
            return cls()
        return cls(
            record_id=_int(stored.get("record_id")),
            offers=tuple(_times(stored.get("offers"))),
            offered_for=_version(stored.get("offered_for")),
            offered_at=_time(stored.get("offered_at")),
            cancel_asked=_cancel_question(stored.get("cancel_asked")),
            choices=tuple(i for i in map(_int, _list(stored.get("choices"))) if i is not None),
            pending=_pending(stored.get("pending")),
            failures=_int(stored.get("failures")) or 0,
        )


def _version_json(about: AppointmentVersion) -> dict[str, int]:
    return {"record_id": about.record_id, "version": about.version}


def _version(stored: Any) -> AppointmentVersion | None:
    if not isinstance(stored, Mapping):
        return None
    record_id, version = _int(stored.get("record_id")), _int(stored.get("version"))
    if record_id is None or version is None:
        return None
    return AppointmentVersion(record_id, version)


def _cancel_question(stored: Any) -> CancelQuestion | None:
    about = _version(stored)
    asked_at = _time(stored.get("at")) if isinstance(stored, Mapping) else None
    if about is None or asked_at is None:
        return None
    return CancelQuestion(about, asked_at)


def _pending(stored: Any) -> PendingWish | None:
    if not isinstance(stored, Mapping):
        return None
    try:
        intent = Intent(stored.get("intent", Intent.OTHER))
    except ValueError:
        intent = Intent.OTHER
    window = list(_times(stored.get("window")))
    return PendingWish(
        intent=intent,
        plain=bool(stored.get("plain")),
        start=_time(stored.get("start")),
        window=(window[0], window[1]) if len(window) == 2 else None,
    )


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    return value if isinstance(value, int) else None


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _times(value: Any) -> list[datetime]:
    """The times of a stored list; none at all if one is unreadable, so that the
    numbers the customer was given never point at other times."""
    times = [_time(item) for item in _list(value)]
    readable = [time for time in times if time is not None]
    return readable if len(readable) == len(times) else []
