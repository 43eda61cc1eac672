"""The SMTP transport: email through the server `SMTP_URL` names, as text plus an HTML rendering
of it and any attachments; an accepted email counts as delivered."""

from __future__ import annotations

import html
import re
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from outbound.policy.vocabulary import Channel, MessageStatus
from outbound.transports import (
    Outgoing,
    PermanentSendError,
    SendResult,
    TransientSendError,
    Transport,
)

DEFAULT_TIMEOUT_SECONDS = 10.0
MAX_SID_LENGTH = 64  # Message.provider_sid

_LINK = re.compile(r"https?://[^\s<>\"']+")
# Punctuation that ends a sentence after a link rather than belonging to it.
_TRAILING = ".,;:!?)"


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    use_ssl: bool = False
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = DEFAULT_TIMEOUT_SECONDS


def parse_smtp_url(url: str) -> SmtpSettings:
    """Read an `SMTP_URL`. Raises ValueError when it is not an smtp:// or smtps:// URL."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError(f"SMTP_URL must look like smtp://host:port, not {url!r}")
    query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
    use_ssl = parts.scheme == "smtps"
    return SmtpSettings(
        host=parts.hostname,
        port=parts.port or (465 if use_ssl else 25),
        use_ssl=use_ssl,
        starttls=query.get("starttls", "").lower() in ("1", "true", "yes"),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        timeout=float(query.get("timeout") or DEFAULT_TIMEOUT_SECONDS),
    )


def build_email(
    outgoing: Outgoing, message_id: str, *, reply_to: str | None = None
) -> EmailMessage:
    """The email for `outgoing`: text, an HTML alternative, and its attachments.

    `reply_to`, when given, becomes the Reply-To header. An attachment's content
    type may carry parameters ("text/calendar; method=CANCEL"); text attachments
    are declared UTF-8 unless they say otherwise."""
    message = EmailMessage()
    message["From"] = outgoing.from_
    message["To"] = outgoing.to
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = outgoing.subject or ""
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id
    message.set_content(outgoing.body)
    message.add_alternative(html_body(outgoing.body), subtype="html")
    for attachment in outgoing.attachments:
        maintype, subtype, params = _content_type(attachment.content_type)
        if maintype == "text":
            params.setdefault("charset", "utf-8")
        params.setdefault("name", attachment.filename)
        message.add_attachment(
            attachment.data,
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
            params=params,
        )
    return message


def html_body(text: str) -> str:
    """The HTML part for a plain text: every character escaped, blank lines as
    paragraphs, single line breaks kept, and web addresses as links."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    body = "".join(
        "<p>" + "<br>\n".join(_html_line(line) for line in p.splitlines()) + "</p>\n"
        for p in paragraphs
    )
    return f'<!DOCTYPE html>\n<html><body style="font-family: sans-serif">\n{body}</body></html>\n'


class SmtpTransport(Transport):
    name = "smtp"
    channels = frozenset({Channel.EMAIL})
    accepts_attachments = True
    settings = ("SMTP_URL",)

    def deliver(self, outgoing: Outgoing) -> SendResult:
        """Send `outgoing` through the SMTP server; see the module docstring for errors."""
        settings = parse_smtp_url(self.config["SMTP_URL"])
        message_id = _message_id(outgoing.from_)
        email = build_email(outgoing, message_id, reply_to=outgoing.reply_to)
        try:
            with _connect(settings) as server:
                if settings.starttls:
                    server.starttls(context=ssl.create_default_context())
                if settings.username:
                    server.login(settings.username, settings.password or "")
                server.send_message(email)
        except smtplib.SMTPRecipientsRefused as error:
            code, text = next(iter(error.recipients.values()))
            raise _classify(code, text, f"the server refused {outgoing.to}") from error
        except smtplib.SMTPResponseException as error:
            raise _classify(error.smtp_code, error.smtp_error, "the server refused") from error
        except OSError as error:  # includes the other smtplib errors and timeouts
            reason = f"could not reach the mail server {settings.host}:{settings.port}: {error}"
            raise TransientSendError(reason) from error
        return SendResult(provider_sid=message_id[:MAX_SID_LENGTH], status=MessageStatus.DELIVERED)


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    if settings.use_ssl:
        return smtplib.SMTP_SSL(
            settings.host,
            settings.port,
            timeout=settings.timeout,
            context=ssl.create_default_context(),
        )
    return smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)


def _classify(code: int, text: bytes | str, what: str) -> Exception:
    detail = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    reason = f"{what}: {code} {detail}".strip()
    if 500 <= code < 600:
        return PermanentSendError(str(code), reason)
    return TransientSendError(reason)


def _message_id(sender: str) -> str:
    # The id comes first so that a cut to the column's length still leaves it unique.
    domain = parseaddr(sender)[1].rpartition("@")[2] or "replydesk.invalid"
    return f"<{uuid.uuid4().hex}@{domain}>"


def _html_line(line: str) -> str:
    parts, position = [], 0
    for match in _LINK.finditer(line):
        url = match.group().rstrip(_TRAILING)
        end = match.start() + len(url)
        parts.append(html.escape(line[position : match.start()]))
        parts.append(f'<a href="{html.escape(url)}">{html.escape(url)}</a>')
        position = end
    parts.append(html.escape(line[position:]))
    return "".join(parts)


def _content_type(value: str) -> tuple[str, str, dict[str, str]]:
    """("text", "calendar", {"method": "REQUEST"}) from "text/calendar; method=REQUEST"."""
    kind, *raw_params = (part.strip() for part in value.split(";"))
    maintype, _, subtype = kind.partition("/")
    params = {}
    for raw in raw_params:
        name, _, param = raw.partition("=")
        if name.strip():
            params[name.strip().lower()] = param.strip().strip('"')
    if not maintype or not subtype:
        return "application", "octet-stream", params
    return maintype.lower(), subtype.lower(), params
