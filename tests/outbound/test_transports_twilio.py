"""The Twilio transport against the fake Twilio API over real HTTP."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from outbound.policy.vocabulary import Channel, MessageStatus
from outbound.transports import (
    Outgoing,
    PermanentSendError,
    TransientSendError,
    transport_for,
)
from outbound.transports import twilio as twilio_transport
from outbound.transports.twilio import TwilioTransport
from tests.support.settings import PUBLIC_BASE_URL, TWILIO_SID, TWILIO_TOKEN

CALLBACK = PUBLIC_BASE_URL + "/webhooks/twilio/status"


@pytest.fixture
def config(fake_twilio):
    return {
        "TWILIO_ACCOUNT_SID": TWILIO_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_API_BASE_URL": fake_twilio.base_url,
        "SMS_TRANSPORT": "twilio",
        "EMAIL_TRANSPORT": "simulator",
    }


def sms(**overrides) -> Outgoing:
    fields = {
        "channel": Channel.SMS,
        "to": "+4915112345678",
        "from_": "+4930555010",
        "body": "Salon Sonnenschein: Ihr Termin ist gebucht.",
        "status_callback_url": CALLBACK,
    }
    return Outgoing(**{**fields, **overrides})


def test_sms_is_created_with_sender_body_and_status_callback(config, fake_twilio):
    result = transport_for(Channel.SMS, config).send(sms())

    [sent] = fake_twilio.messages
    assert sent.params == {
        "To": "+4915112345678",
        "From": "+4930555010",
        "Body": "Salon Sonnenschein: Ihr Termin ist gebucht.",
        "StatusCallback": CALLBACK,
    }
    assert result.provider_sid == sent.sid
    assert result.status == MessageStatus.ACCEPTED  # Twilio answered "queued"
    assert result.segments == 1


def test_sends_in_one_thread_share_the_client_and_its_connection(config, fake_twilio):
    first = transport_for(Channel.SMS, config)
    first.send(sms(to="+4915112345678"))
    second = transport_for(Channel.SMS, config)
    second.send(sms(to="+4915112345679"))

    assert second is first
    assert len({sent.connection for sent in fake_twilio.messages}) == 1


def test_other_settings_or_another_thread_get_a_transport_of_their_own(config, fake_twilio):
    mine = transport_for(Channel.SMS, config)
    other_account = transport_for(Channel.SMS, {**config, "TWILIO_AUTH_TOKEN": "another-token"})
    seen_elsewhere = []
    worker = threading.Thread(
        target=lambda: seen_elsewhere.append(transport_for(Channel.SMS, config))
    )
    worker.start()
    worker.join()

    assert other_account is not mine
    assert other_account.config["TWILIO_AUTH_TOKEN"] == "another-token"
    assert seen_elsewhere[0] is not mine
    assert transport_for(Channel.SMS, config) is mine


def test_a_connection_the_server_closed_is_not_used_again(config, fake_twilio):
    transport = transport_for(Channel.SMS, config)
    fake_twilio.hang_up_after_next()
    transport.send(sms(to="+4915112345678"))
    time.sleep(0.1)  # the server's close reaches the client

    transport.send(sms(to="+4915112345679"))

    first, second = fake_twilio.messages
    assert fake_twilio.requests_seen == 2  # the second went out on its first try
    assert second.connection != first.connection


def test_a_connection_idle_too_long_is_replaced(config, fake_twilio, monkeypatch):
    monkeypatch.setattr(twilio_transport, "IDLE_CONNECTION_SECONDS", 0.0)
    transport = transport_for(Channel.SMS, config)
    transport.send(sms(to="+4915112345678"))
    transport.send(sms(to="+4915112345679"))

    first, second = fake_twilio.messages
    assert second.connection != first.connection


def test_a_transport_is_given_only_its_own_settings(config):
    transport = transport_for(Channel.SMS, {**config, "SECRET_KEY": "not the transport's"})

    assert set(transport.config) == set(TwilioTransport.settings)


def test_messaging_service_sender_goes_as_messaging_service_sid(config, fake_twilio):
    TwilioTransport(config).send(sms(from_="MG" + "1" * 32))

    [sent] = fake_twilio.messages
    assert sent.params["MessagingServiceSid"] == "MG" + "1" * 32
    assert "From" not in sent.params


def test_whatsapp_addresses_get_their_prefix(config, fake_twilio):
    TwilioTransport(config).send(
        sms(channel=Channel.WHATSAPP, to="+4915112345678", from_="whatsapp:+4930555010")
    )

    [sent] = fake_twilio.messages
    assert sent.params["To"] == "whatsapp:+4915112345678"
    assert sent.params["From"] == "whatsapp:+4930555010"


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (21211, "not a valid phone number"),
        (21614, "not a mobile number"),
        (21610, "opted out"),
        (30007, "filtered"),
    ],
)
def test_twilio_refusals_are_permanent_with_a_readable_reason(config, fake_twilio, code, words):
    fake_twilio.fail_next(400, code)

    with pytest.raises(PermanentSendError) as raised:
        TwilioTransport(config).send(sms())

    assert raised.value.code == str(code)
    assert words in raised.value.reason and str(code) in raised.value.reason
    assert fake_twilio.messages == []


def test_an_unknown_4xx_is_permanent_and_keeps_twilios_words(config, fake_twilio):
    fake_twilio.fail_next(400, 21999)

    with pytest.raises(PermanentSendError) as raised:
        TwilioTransport(config).send(sms())

    assert raised.value.code == "21999"
    assert "fake error 21999" in raised.value.reason


@pytest.mark.parametrize(("status", "code"), [(429, 20429), (429, None), (500, None), (503, None)])
def test_rate_limits_and_server_errors_are_transient(config, fake_twilio, status, code):
    fake_twilio.fail_next(status, code)

    with pytest.raises(TransientSendError) as raised:
        TwilioTransport(config).send(sms())

    assert f"HTTP {status}" in raised.value.reason
    assert raised.value.retry_after is None


def test_retry_after_from_twilio_is_passed_on(config, fake_twilio):
    fake_twilio.fail_next(429, 20429, headers={"Retry-After": "30"})

    with pytest.raises(TransientSendError) as raised:
        TwilioTransport(config).send(sms())

    assert raised.value.retry_after == 30.0


def test_an_unreachable_api_is_transient(config):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config["TWILIO_API_BASE_URL"] = f"http://127.0.0.1:{port}"

    with pytest.raises(TransientSendError) as raised:
        TwilioTransport(config).send(sms())

    assert "could not reach Twilio" in raised.value.reason


def test_no_sender_is_a_permanent_failure_without_calling_twilio(config, fake_twilio):
    with pytest.raises(PermanentSendError) as raised:
        TwilioTransport(config).send(sms(from_=""))

    assert "no SMS sender" in raised.value.reason
    assert fake_twilio.requests_seen == 0


def test_the_twilio_transport_refuses_email(config):
    with pytest.raises(ValueError, match="does not carry email"):
        TwilioTransport(config).send(sms(channel=Channel.EMAIL, to="a@example.org"))
