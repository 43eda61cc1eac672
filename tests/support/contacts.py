"""A customer's contact facts for the channel choice, with the common defaults."""

from __future__ import annotations

from outbound.policy.channels import ContactFacts


def contact_facts(**overrides) -> ContactFacts:
    """A customer with a mobile number and SMS consent only, at a business with SMS on;
    `overrides` change any fact."""
    values = dict(
        has_email=False,
        email_consent=False,
        has_phone=True,
        phone_is_mobile=True,
        sms_consent=True,
        sms_opted_out_at=None,
        sms_enabled=True,
        sms_confirmation_always=False,
    )
    values.update(overrides)
    return ContactFacts(**values)
