"""Transports: the one small interface every way of sending a message implements (`Outgoing` in,
`SendResult` out, or a permanent or transient error), and `transport_for`, which picks the
transport the configuration names for a channel and keeps it ready, per thread, for the next
send with the same settings, so what it keeps between sends (the Twilio SDK's client and its
open connection) serves many messages."""

from __future__ import annotations

import importlib
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from outbound.policy.vocabulary import Channel, MessageStatus

# Where each transport lives; importing the module registers its class. Imported on first
# use, so a process that only simulates never imports the Twilio SDK.
TRANSPORT_MODULES = {
    "twilio": "outbound.transports.twilio",
    "smtp": "outbound.transports.smtp",
    "simulator": "outbound.transports.simulator",
}

_registry: dict[str, type[Transport]] = {}

# Transports kept ready, per thread (an SDK client and its HTTP connection serve one thread at a
# time), keyed by name and the values of their settings; the least recently used goes first.
MAX_READY_TRANSPORTS = 8
_ready = threading.local()


@dataclass(frozen=True)
class Attachment:
    """A file sent along with an email (e.g. an appointment's .ics card)."""

    filename: str
    content_type: str  # "text/calendar", "application/pdf" …
    data: bytes


@dataclass(frozen=True)
class Outgoing:
    """One message to hand to a transport; addresses as the channel writes them."""

    channel: Channel
    to: str  # E.164 for SMS, "whatsapp:+49…", "messenger:<id>", or an email address
    from_: str  # a number, a Messaging Service SID ("MG…"), or an email sender
    body: str
    subject: str | None = None  # email only
    status_callback_url: str | None = None  # where the provider reports delivery
    attachments: tuple[Attachment, ...] = ()  # email only
    reply_to: str | None = None  # email only: where the recipient's answer should go
    # WhatsApp outside the 24-hour window: the approved template to send instead of
    # `body` (Twilio's Content SID, "HX…") and the values of its placeholders.
    content_sid: str | None = None
    content_variables: Mapping[str, str] | None = None


@dataclass(frozen=True)
class SendResult:
    provider_sid: str  # Twilio's message SID, the email's Message-ID, or a simulator id
    status: MessageStatus  # where the message stands on our ladder right after sending
    segments: int | None = None  # the provider's own segment count, when it reports one


class SendError(Exception):
    """Sending failed; `reason` says why in words staff can read."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PermanentSendError(SendError):
    """The provider refused this message for good; retrying cannot help."""

    def __init__(self, code: str | None, reason: str) -> None:
        super().__init__(reason)
        self.code = code  # the provider's error code as text ("21610"), if any


class TransientSendError(SendError):
    """Sending failed for now (rate limit, outage, network); try again later."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after  # seconds the provider asked us to wait, if it said


class Transport:
    """Base class: a subclass sets `name`, `channels` and the `settings` it reads from the
    config, and implements `deliver`."""

    name: ClassVar[str]
    channels: ClassVar[frozenset[Channel]]
    accepts_attachments: ClassVar[bool] = False
    settings: ClassVar[tuple[str, ...]] = ()  # the config keys `deliver` reads

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _registry[cls.name] = cls

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config

    def send(self, outgoing: Outgoing) -> SendResult:
        """Hand `outgoing` to the provider.

        Returns a SendResult; raises PermanentSendError or TransientSendError,
        and ValueError for a message this transport cannot carry at all.
        """
        if outgoing.channel not in self.channels:
            raise ValueError(f"the {self.name} transport does not carry {outgoing.channel}")
        if outgoing.attachments and not self.accepts_attachments:
            raise ValueError(f"the {self.name} transport cannot send attachments")
        return self.deliver(outgoing)

    def deliver(self, outgoing: Outgoing) -> SendResult:
        """The transport's own sending, called by `send` once the message fits."""
        raise NotImplementedError

    def close(self) -> None:
        """Let go of what the transport keeps open between sends (nothing, unless it says)."""


def transport_class(name: str) -> type[Transport]:
    """The transport registered as `name`. Raises ValueError for an unknown name."""
    if name not in TRANSPORT_MODULES:
        raise ValueError(f"unknown transport {name!r}; known: {', '.join(TRANSPORT_MODULES)}")
    importlib.import_module(TRANSPORT_MODULES[name])
    return _registry[name]


def transport_name(channel: Channel, config: Mapping[str, Any]) -> str:
    """The transport the configuration chooses for `channel`."""
    return config["EMAIL_TRANSPORT"] if channel == Channel.EMAIL else config["SMS_TRANSPORT"]


def transport_for(channel: Channel, config: Mapping[str, Any]) -> Transport:
    """A ready transport for `channel` under `config` (the app's config): the one this thread
    used last with the same settings, or a new one given only those settings.

    Raises ValueError when the configured transport cannot carry the channel.
    """
    cls = transport_class(transport_name(channel, config))
    if channel not in cls.channels:
        raise ValueError(f"the {cls.name} transport does not carry {channel}")
    settings = {key: config[key] for key in cls.settings if key in config}
    key = (cls.name, tuple(sorted(settings.items())))
    ready: OrderedDict = _ready.__dict__.setdefault("transports", OrderedDict())
    transport = ready.get(key)
    if transport is None:
        transport = ready[key] = cls(settings)
        if len(ready) > MAX_READY_TRANSPORTS:
            ready.popitem(last=False)[1].close()
    ready.move_to_end(key)
    return transport
