"""The simulator transport and how the configuration picks transports."""

from __future__ import annotations

import pytest

from outbound.policy.vocabulary import Channel, MessageStatus
from outbound.transports import Outgoing, transport_class, transport_for
from outbound.transports.simulator import SimulatorTransport
from outbound.transports.smtp import SmtpTransport
from outbound.transports.twilio import TwilioTransport

SIMULATED = {"SMS_TRANSPORT": "simulator", "EMAIL_TRANSPORT": "simulator"}


@pytest.mark.parametrize("channel", [Channel.SMS, Channel.EMAIL, Channel.WHATSAPP])
def test_the_simulator_reports_every_message_delivered_under_its_own_sid(channel):
    outgoing = Outgoing(channel=channel, to="+4915112345678", from_="+4930555010", body="Hallo")
    first = transport_for(channel, SIMULATED).send(outgoing)
    second = transport_for(channel, SIMULATED).send(outgoing)

    assert first.status == MessageStatus.DELIVERED
    assert first.provider_sid.startswith("SIM") and len(first.provider_sid) <= 64
    assert first.provider_sid != second.provider_sid


def test_sms_and_email_each_follow_their_own_setting():
    config = {"SMS_TRANSPORT": "twilio", "EMAIL_TRANSPORT": "smtp", "SMTP_URL": "smtp://x"}

    assert isinstance(transport_for(Channel.SMS, config), TwilioTransport)
    assert isinstance(transport_for(Channel.WHATSAPP, config), TwilioTransport)
    assert isinstance(transport_for(Channel.EMAIL, config), SmtpTransport)
    assert isinstance(transport_for(Channel.SMS, SIMULATED), SimulatorTransport)


def test_a_transport_that_cannot_carry_the_channel_is_refused():
    with pytest.raises(ValueError, match="does not carry email"):
        transport_for(Channel.EMAIL, {"EMAIL_TRANSPORT": "twilio"})
    with pytest.raises(ValueError, match="unknown transport 'carrier-pigeon'"):
        transport_class("carrier-pigeon")
