"""The Twilio transport: SMS, WhatsApp (free text or a template by its Content SID) and
Messenger through the SDK's Messages API, with Twilio's answers sorted into permanent and
transient failures."""

from __future__ import annotations

import json
import time

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from outbound.policy.vocabulary import TWILIO_STATUS, Channel, MessageStatus
from outbound.transports import (
    Outgoing,
    PermanentSendError,
    SendResult,
    TransientSendError,
    Transport,
)

HTTP_TIMEOUT_SECONDS = 10.0
# A connection idle longer than this is not used again: a load balancer or NAT on the way may
# have dropped it without a word, and a send on it would wait out the timeout and count as a
# failed try. Twilio's own end closes idle connections after about a minute.
IDLE_CONNECTION_SECONDS = 30.0
OPTED_OUT = "21610"  # the recipient sent STOP to this sender
SESSION_EXPIRED = "63016"  # WhatsApp free text outside the customer's 24-hour window

# Error codes staff will meet most, in words (Twilio's error dictionary).
ERROR_REASONS = {
    "21211": "the number is not a valid phone number",
    "21408": "sending to this country is not enabled on the Twilio account",
    "21606": "the sender number cannot send SMS",
    "21610": "the recipient opted out (sent STOP) and cannot be messaged",
    "21612": "Twilio cannot route a message from this sender to this number",
    "21614": "the number is not a mobile number",
    "30003": "the phone is switched off or unreachable",
    "30004": "the recipient blocks messages from this sender",
    "30005": "the number is unknown or no longer in service",
    "30006": "the number is a landline or its carrier cannot receive SMS",
    "30007": "the carrier filtered the message as spam",
    "30008": "the carrier reported an unknown error",
    "63016": "the WhatsApp session has expired; only approved templates can be sent",
    "63018": "the WhatsApp sender is sending faster than its rate limit allows",
    "63024": "the recipient is not a valid WhatsApp user",
    "63027": "the WhatsApp template could not be sent (unknown or unapproved Content SID)",
}

# Channels whose addresses Twilio writes with a prefix.
_PREFIXES = {Channel.WHATSAPP: "whatsapp:", Channel.MESSENGER: "messenger:"}


def describe_error(code: str | int | None, fallback: str = "") -> str:
    """A readable reason for a Twilio error code, with the code for reference."""
    if code is None:
        return fallback or "Twilio reported an error"
    text = ERROR_REASONS.get(str(code)) or fallback or "Twilio reported an error"
    return f"{text} (Twilio error {code})"


class TwilioTransport(Transport):
    name = "twilio"
    channels = frozenset({Channel.SMS, Channel.WHATSAPP, Channel.MESSENGER})
    settings = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_BASE_URL")

    def __init__(self, config) -> None:
        super().__init__(config)
        self._client: Client | None = None
        self._last_used = 0.0  # time.monotonic() of the last request through the client
        self._retry_after: float | None = None

    def deliver(self, outgoing: Outgoing) -> SendResult:
        """Create the message at Twilio; see the module docstring for the errors."""
        if not outgoing.from_:
            raise PermanentSendError(
                None, "the business has no SMS sender (sms_from or messaging_service_sid)"
            )
        params = {"to": _address(outgoing.channel, outgoing.to)}
        if outgoing.content_sid:
            params["content_sid"] = outgoing.content_sid
            if outgoing.content_variables:
                params["content_variables"] = json.dumps(
                    dict(outgoing.content_variables), ensure_ascii=False
                )
        else:
            params["body"] = outgoing.body
        if outgoing.from_.startswith("MG"):
            params["messaging_service_sid"] = outgoing.from_
        else:
            params["from_"] = _address(outgoing.channel, outgoing.from_)
        if outgoing.status_callback_url:
            params["status_callback"] = outgoing.status_callback_url

        self._retry_after = None
        try:
            created = self.client.messages.create(**params)
        except TwilioRestException as error:
            raise self._classify(error.status, error.code, error.msg) from error
        except TwilioServiceException as error:
            raise self._classify(error.status, error.code, error.detail or error.title) from error
        except (requests.RequestException, TwilioException) as error:
            raise TransientSendError(f"could not reach Twilio: {error}") from error
        segments = int(created.num_segments) if created.num_segments else None
        return SendResult(
            provider_sid=created.sid,
            status=TWILIO_STATUS.get(created.status or "", MessageStatus.ACCEPTED),
            segments=segments,
        )

    def close(self) -> None:
        """Close the client's connections; the next send opens a new one."""
        if self._client is not None:
            self._client.http_client.session.close()
            self._client = None

    @property
    def client(self) -> Client:
        """The SDK client for this transport, talking to TWILIO_API_BASE_URL; a new one
        (and connection) after IDLE_CONNECTION_SECONDS without a request."""
        now = time.monotonic()
        if self._client is not None and now - self._last_used > IDLE_CONNECTION_SECONDS:
            self.close()
        self._last_used = now
        if self._client is None:
            http_client = TwilioHttpClient(
                timeout=HTTP_TIMEOUT_SECONDS,
                request_hooks={"response": [self._remember_retry_after]},
            )
            client = Client(
                self.config["TWILIO_ACCOUNT_SID"],
                self.config["TWILIO_AUTH_TOKEN"],
                http_client=http_client,
            )
            client.api.base_url = self.config["TWILIO_API_BASE_URL"].rstrip("/")
            self._client = client
        return self._client

    def _remember_retry_after(self, response: requests.Response, *args, **kwargs):
        # The SDK's exception drops the response headers, so read Retry-After here.
        value = response.headers.get("Retry-After")
        try:
            self._retry_after = float(value) if value else None
        except ValueError:
            self._retry_after = None  # an HTTP date; the job's own backoff applies
        return response

    def _classify(self, status: int, code: int | None, message: str) -> Exception:
        code_text = str(code) if code is not None else None
        if status == 429 or code_text == "20429" or status >= 500:
            reason = f"Twilio is busy or failing (HTTP {status}); will try again"
            return TransientSendError(reason, retry_after=self._retry_after)
        return PermanentSendError(code_text, describe_error(code_text, _short(message)))


def _address(channel: Channel, address: str) -> str:
    prefix = _PREFIXES.get(channel)
    if prefix is None or address.startswith(prefix):
        return address
    return prefix + address


def _short(message: str) -> str:
    # The SDK prefixes "Unable to create record: "; staff need only Twilio's words.
    return message.split(": ", 1)[-1] if message else ""
