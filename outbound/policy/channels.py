"""Which channel a notice goes out on, or why it does not go out at all.

R0.1–R0.4, R1.2, R1.3, R4.3 (docs/REQUIREMENTS.md): for `auto`, email when the
customer has an email address and email consent; otherwise SMS when the
business has SMS switched on and the customer has a mobile number, SMS
consent and no opt-out; otherwise nothing, with the reason in words.
`sms_confirmation_always` adds the SMS to booking confirmations. Pure: it
takes facts, not rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from outbound.policy.vocabulary import Channel, ChannelChoice, Notice


@dataclass(frozen=True)
class ContactFacts:
    """What channel choice needs to know about the recipient and the business."""

    has_email: bool
    email_consent: bool
    has_phone: bool
    phone_is_mobile: bool
    sms_consent: bool
    sms_opted_out_at: datetime | None
    sms_enabled: bool  # the business switched SMS on (R1.2)
    sms_confirmation_always: bool  # R0.4
    has_whatsapp: bool = False
    whatsapp_opted_out_at: datetime | None = None


@dataclass(frozen=True)
class ChannelDecision:
    """One channel a notice is planned on; `skip_reason` set means it is not sent."""

    channel: Channel
    skip_reason: str | None = None


def email_blocker(facts: ContactFacts) -> str | None:
    """Why email cannot be used, in words, or None when it can."""
    if not facts.has_email:
        return "customer has no email address"
    if not facts.email_consent:
        return "customer has no email consent"
    return None


def sms_blocker(facts: ContactFacts) -> str | None:
    """Why SMS cannot be used, in words, or None when it can."""
    if not facts.sms_enabled:
        return "SMS is switched off for this business"
    if not facts.has_phone:
        return "customer has no phone number"
    if not facts.phone_is_mobile:
        return "customer's phone number is not a mobile number"
    if not facts.sms_consent:
        return "customer has no SMS consent"
    if facts.sms_opted_out_at is not None:
        return f"customer opted out on {facts.sms_opted_out_at:%Y-%m-%d}"
    return None


def whatsapp_blocker(facts: ContactFacts) -> str | None:
    if not facts.has_whatsapp:
        return "customer has no WhatsApp address"
    if facts.whatsapp_opted_out_at is not None:
        return f"customer opted out of WhatsApp on {facts.whatsapp_opted_out_at:%Y-%m-%d}"
    return None


def choose_channels(
    choice: ChannelChoice, facts: ContactFacts, notice: Notice
) -> list[ChannelDecision]:
    """Resolve a rule's channel choice for one customer.

    Returns at least one decision; a decision with a `skip_reason` is a notice
    that is recorded as skipped rather than sent.
    """
    if choice == ChannelChoice.EMAIL:
        return [ChannelDecision(Channel.EMAIL, email_blocker(facts))]
    if choice == ChannelChoice.SMS:
        return [ChannelDecision(Channel.SMS, sms_blocker(facts))]
    if choice == ChannelChoice.WHATSAPP:
        return [ChannelDecision(Channel.WHATSAPP, whatsapp_blocker(facts))]
    if choice == ChannelChoice.SMS_AND_EMAIL:
        return [
            ChannelDecision(Channel.EMAIL, email_blocker(facts)),
            ChannelDecision(Channel.SMS, sms_blocker(facts)),
        ]

    no_email, no_sms = email_blocker(facts), sms_blocker(facts)
    if no_email is None:
        decisions = [ChannelDecision(Channel.EMAIL)]
        if facts.sms_confirmation_always and notice == Notice.CONFIRMATION and no_sms is None:
            decisions.append(ChannelDecision(Channel.SMS))
        return decisions
    if no_sms is None:
        return [ChannelDecision(Channel.SMS)]
    return [ChannelDecision(Channel.SMS, f"no channel: {no_email}; {no_sms}")]
