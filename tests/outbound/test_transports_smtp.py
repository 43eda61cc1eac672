"""The SMTP transport against real SMTP servers on loopback."""

from __future__ import annotations

import socket

import pytest
from aiosmtpd.controller import Controller

from outbound.policy.vocabulary import Channel, MessageStatus
from outbound.transports import (
    Attachment,
    Outgoing,
    PermanentSendError,
    TransientSendError,
)
from outbound.transports.smtp import (
    SmtpSettings,
    SmtpTransport,
    build_email,
    html_body,
    parse_smtp_url,
)


def email(**overrides) -> Outgoing:
    fields = {
        "channel": Channel.EMAIL,
        "to": "ursula@example.org",
        "from_": "Salon Sonnenschein <info@salon-sonnenschein.example>",
        "subject": "Ihr Termin am 24.11.2026",
        "body": "Hallo Ursula,\n\nIhr Termin ist gebucht.\nBis bald <3",
    }
    return Outgoing(**{**fields, **overrides})


def test_an_email_reaches_the_server_with_text_and_html(smtp_sink):
    result = SmtpTransport({"SMTP_URL": smtp_sink.url}).send(email())

    [received] = smtp_sink.messages
    assert received["To"] == "ursula@example.org"
    assert received["From"] == "Salon Sonnenschein <info@salon-sonnenschein.example>"
    assert received["Subject"] == "Ihr Termin am 24.11.2026"
    assert received["X-Envelope-To"] == "ursula@example.org"
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    assert "Ihr Termin ist gebucht." in text
    assert "<p>Ihr Termin ist gebucht.<br>\r\nBis bald &lt;3</p>" in html
    assert result.status == MessageStatus.DELIVERED
    assert result.provider_sid == received["Message-ID"]
    assert result.provider_sid.endswith("@salon-sonnenschein.example>")


def test_attachments_travel_with_the_email(smtp_sink):
    card = Attachment("termin.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")

    SmtpTransport({"SMTP_URL": smtp_sink.url}).send(email(attachments=(card,)))

    [received] = smtp_sink.messages
    [attached] = list(received.iter_attachments())
    assert attached.get_filename() == "termin.ics"
    assert attached.get_content_type() == "text/calendar"
    assert b"BEGIN:VCALENDAR" in attached.get_payload(decode=True)


def test_an_appointment_card_travels_as_a_calendar_invitation(smtp_sink):  # R1.4
    ics = "BEGIN:VCALENDAR\r\nSUMMARY:Färben – Salon\r\nEND:VCALENDAR\r\n".encode()
    card = Attachment("termin.ics", "text/calendar; method=REQUEST", ics)

    SmtpTransport({"SMTP_URL": smtp_sink.url}).send(email(attachments=(card,)))

    [received] = smtp_sink.messages
    assert received.get_content_type() == "multipart/mixed"
    [attached] = list(received.iter_attachments())
    assert attached.get_content_type() == "text/calendar"
    assert attached.get_param("method") == "REQUEST"
    assert attached.get_param("charset") == "utf-8"
    assert attached.get_filename() == "termin.ics"
    assert attached.get_payload(decode=True) == ics
    # The text and HTML parts are still the email's body.
    assert "Ihr Termin ist gebucht." in received.get_body(("plain",)).get_content()
    assert received.get_body(("html",)) is not None


def test_links_in_the_text_are_clickable_in_the_html():
    html = html_body(
        "Absagen: https://replydesk.test/c/abc.def?x=1&y=<2>.\nMehr: http://salon.example/book)"
    )

    assert (
        'Absagen: <a href="https://replydesk.test/c/abc.def?x=1&amp;y=">'
        "https://replydesk.test/c/abc.def?x=1&amp;y=</a>&lt;2&gt;.<br>"
    ) in html
    assert 'Mehr: <a href="http://salon.example/book">http://salon.example/book</a>)' in html


def test_text_that_looks_like_markup_stays_text():
    html = html_body('<script>alert("x")</script>\n\njavascript:alert(1)')

    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<a " not in html  # only http(s) addresses become links


def test_a_reply_address_becomes_the_reply_to_header():
    built = build_email(email(), "<1@salon.example>", reply_to="team@salon.example")
    plain = build_email(email(), "<2@salon.example>")

    assert built["Reply-To"] == "team@salon.example"
    assert plain["Reply-To"] is None


def test_an_unreadable_content_type_is_sent_as_plain_bytes():
    odd = Attachment("blob.bin", "nonsense", b"\x00\x01")

    [attached] = list(build_email(email(attachments=(odd,)), "<3@x>").iter_attachments())

    assert attached.get_content_type() == "application/octet-stream"
    assert attached.get_payload(decode=True) == b"\x00\x01"


class _Refusing:
    """An SMTP server that answers RCPT TO with a fixed code."""

    def __init__(self, answer: str) -> None:
        self.answer = answer

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        return self.answer


@pytest.fixture
def refusing_server():
    controllers = []

    def start(answer: str) -> str:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        controller = Controller(_Refusing(answer), hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        return f"smtp://127.0.0.1:{port}"

    yield start
    for controller in controllers:
        controller.stop()


def test_a_refused_recipient_is_permanent(refusing_server):
    url = refusing_server("550 5.1.1 No such user")

    with pytest.raises(PermanentSendError) as raised:
        SmtpTransport({"SMTP_URL": url}).send(email())

    assert raised.value.code == "550"
    assert "ursula@example.org" in raised.value.reason and "No such user" in raised.value.reason


def test_a_temporary_refusal_is_transient(refusing_server):
    url = refusing_server("451 4.7.1 Try again later")

    with pytest.raises(TransientSendError, match="Try again later"):
        SmtpTransport({"SMTP_URL": url}).send(email())


def test_an_unreachable_server_is_transient():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with pytest.raises(TransientSendError, match=f"127.0.0.1:{port}"):
        SmtpTransport({"SMTP_URL": f"smtp://127.0.0.1:{port}?timeout=2"}).send(email())


@pytest.mark.parametrize(
    ("url", "settings"),
    [
        ("smtp://mail.example.org", SmtpSettings("mail.example.org", 25)),
        (
            "smtps://bot%40salon.example:p%40ss@mail.example.org",
            SmtpSettings(
                "mail.example.org", 465, use_ssl=True, username="bot@salon.example", password="p@ss"
            ),
        ),
        (
            "smtp://u:p@mail.example.org:587?starttls=1&timeout=3",
            SmtpSettings(
                "mail.example.org", 587, starttls=True, username="u", password="p", timeout=3.0
            ),
        ),
    ],
)
def test_smtp_urls_are_read(url, settings):
    assert parse_smtp_url(url) == settings


@pytest.mark.parametrize("url", ["", "mail.example.org:25", "http://mail.example.org"])
def test_a_malformed_smtp_url_is_refused(url):
    with pytest.raises(ValueError, match="SMTP_URL"):
        parse_smtp_url(url)


def test_reply_to_travels_with_the_outgoing_email(app, smtp_sink):
    from outbound.policy.vocabulary import Channel
    from outbound.transports import Outgoing, transport_for

    outgoing = Outgoing(
        channel=Channel.EMAIL,
        to="ursula@example.com",
        from_="ReplyDesk <notices@replydesk.test>",
        body="Hallo",
        subject="Termin",
        reply_to="team@salon.example",
    )
    transport_for(Channel.EMAIL, app.config).send(outgoing)
    [email] = smtp_sink.messages
    assert email["Reply-To"] == "team@salon.example"
