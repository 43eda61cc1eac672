"""Channel choice for `auto` and explicit channels (R0.1–R0.4, R1.2, R1.3, R4.3)."""

from datetime import UTC, datetime

import pytest

from outbound.policy.channels import ChannelDecision, choose_channels
from outbound.policy.vocabulary import Channel, ChannelChoice, Notice
from tests.support.contacts import contact_facts

OPTED_OUT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("contact", "expected"),
    [
        # R0.1: no email -> SMS automatically
        (contact_facts(), [ChannelDecision(Channel.SMS)]),
        # email with consent wins (R0.3)
        (contact_facts(has_email=True, email_consent=True), [ChannelDecision(Channel.EMAIL)]),
        # email without consent does not count (R1.3)
        (contact_facts(has_email=True), [ChannelDecision(Channel.SMS)]),
        # R1.2: SMS switched off and no email -> skipped with both reasons
        (
            contact_facts(sms_enabled=False),
            [
                ChannelDecision(
                    Channel.SMS,
                    "no channel: customer has no email address; "
                    "SMS is switched off for this business",
                )
            ],
        ),
        (
            contact_facts(sms_consent=False),
            [
                ChannelDecision(
                    Channel.SMS,
                    "no channel: customer has no email address; customer has no SMS consent",
                )
            ],
        ),
        (
            contact_facts(sms_opted_out_at=OPTED_OUT),
            [
                ChannelDecision(
                    Channel.SMS,
                    "no channel: customer has no email address; customer opted out on 2026-11-20",
                )
            ],
        ),
        (
            contact_facts(phone_is_mobile=False),
            [
                ChannelDecision(
                    Channel.SMS,
                    "no channel: customer has no email address; "
                    "customer's phone number is not a mobile number",
                )
            ],
        ),
    ],
)
def test_auto_channel(contact, expected):
    assert choose_channels(ChannelChoice.AUTO, contact, Notice.REMINDER) == expected


def test_sms_confirmation_always_adds_the_sms_to_confirmations_only():  # R0.4
    contact = contact_facts(has_email=True, email_consent=True, sms_confirmation_always=True)
    assert choose_channels(ChannelChoice.AUTO, contact, Notice.CONFIRMATION) == [
        ChannelDecision(Channel.EMAIL),
        ChannelDecision(Channel.SMS),
    ]
    assert choose_channels(ChannelChoice.AUTO, contact, Notice.REMINDER) == [
        ChannelDecision(Channel.EMAIL)
    ]


def test_explicit_channels_need_contact_and_consent():  # R4.3
    assert choose_channels(ChannelChoice.EMAIL, contact_facts(), Notice.REMINDER) == [
        ChannelDecision(Channel.EMAIL, "customer has no email address")
    ]
    assert choose_channels(
        ChannelChoice.SMS_AND_EMAIL,
        contact_facts(has_email=True, email_consent=True),
        Notice.CHANGE,
    ) == [ChannelDecision(Channel.EMAIL), ChannelDecision(Channel.SMS)]
