"""What reached the outside world in a test: the texts the fake Twilio received, the
emails the SMTP sink received, and the parts of an email (plain, HTML, the
appointment card)."""

from __future__ import annotations

from email.message import EmailMessage

from icalendar import Calendar

from tests.support.settings import MOBILE


def texts_to(fake_twilio, number: str = MOBILE) -> list[str]:
    """The bodies of the SMS the fake Twilio received for `number`, in order."""
    return [sms.body for sms in fake_twilio.messages if sms.to == number]


def mails_to(smtp_sink, address: str) -> list[EmailMessage]:
    """The emails the SMTP sink received for `address`, in order."""
    return [mail for mail in smtp_sink.messages if address in mail["X-Envelope-To"]]


def plain(mail: EmailMessage) -> str:
    return mail.get_body(("plain",)).get_content()


def html(mail: EmailMessage) -> str:
    return mail.get_body(("html",)).get_content()


def card(mail: EmailMessage):
    """The appointment card (.ics) attached to `mail`: (its MIME part, its VEVENT)."""
    [part] = [a for a in mail.iter_attachments() if a.get_content_type() == "text/calendar"]
    [event] = Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")
    return part, event
