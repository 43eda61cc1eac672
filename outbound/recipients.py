"""Who gets a notice: whether the recipient can get it now, their address, where replies go."""

from __future__ import annotations

from bot.models import Business, Customer, Notification
from outbound.planning import contact_facts
from outbound.policy.channels import ContactFacts, email_blocker, sms_blocker, whatsapp_blocker
from outbound.policy.vocabulary import AddressKind, Audience, Channel


def recipient_blocker(
    notification: Notification, business: Business, customer: Customer | None
) -> str | None:
    """Why the recipient cannot get the notice on its channel now, or None when they can."""
    if notification.audience == Audience.BUSINESS:
        if business.notification_email or business.email_from:
            return None
        return "business has no notification email address"
    if customer is None:
        return "the customer no longer exists"
    facts = contact_facts(business, customer)
    return _channel_blocker(notification.channel, facts, customer)


def _channel_blocker(channel: Channel, facts: ContactFacts, customer: Customer) -> str | None:
    if channel == Channel.EMAIL:
        return email_blocker(facts)
    if channel == Channel.SMS:
        return sms_blocker(facts)
    if channel == Channel.WHATSAPP:
        return whatsapp_blocker(facts)
    messenger = customer.address(AddressKind.MESSENGER)
    if messenger is None:
        return "customer has no Messenger address"
    if messenger.opted_out_at is not None:
        return f"customer opted out of Messenger on {messenger.opted_out_at:%Y-%m-%d}"
    return None


def recipient_address(
    notification: Notification,
    business: Business,
    customer: Customer | None,
    channel: Channel | None = None,
) -> str:
    """The address the notice goes to on `channel` (default: its own), as the
    channel writes it; call after `recipient_blocker` said it can go."""
    channel = channel or notification.channel
    if notification.audience == Audience.BUSINESS:
        return business.notification_email or business.email_from
    if channel == Channel.EMAIL:
        return customer.email
    if channel == Channel.SMS:
        return customer.phone
    kind = AddressKind(channel.value)
    value = customer.address(kind).value
    prefix = f"{channel.value}:"
    return value if value.startswith(prefix) else prefix + value


def reply_address(
    notification: Notification, business: Business, customer: Customer | None
) -> str | None:
    """Where a reply to the notice's email should go, when not to its From.

    A customer's email from the shared MAIL_FROM sender is answered to the
    business's notification address; a notice to the business is answered to
    the customer, whom it is about. None leaves replies to the From address."""
    if notification.channel != Channel.EMAIL:
        return None
    if notification.audience == Audience.BUSINESS:
        return customer.email if customer and customer.email else None
    if business.email_from:
        return None
    return business.notification_email
