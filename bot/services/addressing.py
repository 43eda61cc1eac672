"""Who a Twilio message is from and to: its channel, its business, its sender's address.

Twilio writes SMS addresses as bare E.164 and WhatsApp and Messenger ones
with a prefix ("whatsapp:+4915…", "messenger:<id>"); a business is reached
through its SMS number, its WhatsApp number or its Messaging Service; a
customer is reached through their contact addresses, one per channel.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import AddressKind, Business, ContactAddress
from bot.phones import normalise_sender
from bot.services.customers import find_address
from outbound.policy.vocabulary import Channel

CHANNEL_PREFIXES = {"whatsapp:": Channel.WHATSAPP, "messenger:": Channel.MESSENGER}
# The kind of contact address each messaging channel delivers to.
ADDRESS_KINDS = {
    Channel.SMS: AddressKind.TEL,
    Channel.WHATSAPP: AddressKind.WHATSAPP,
    Channel.MESSENGER: AddressKind.MESSENGER,
}


def channel_of(address: str) -> Channel:
    """The channel a Twilio address belongs to ("whatsapp:+49…" → WhatsApp, else SMS)."""
    for prefix, channel in CHANNEL_PREFIXES.items():
        if address.lower().startswith(prefix):
            return channel
    return Channel.SMS


def find_business(
    session: Session, to: str, messaging_service_sid: str | None, channel: Channel
) -> Business | None:
    """The business a message was sent to: by the number it was sent to
    (`whatsapp_from` for WhatsApp, `sms_from` otherwise), else by the Messaging
    Service Twilio names (a pooled sender). Each sender belongs to one business."""
    column = Business.whatsapp_from if channel == Channel.WHATSAPP else Business.sms_from
    business = session.scalar(select(Business).where(column == normalise_sender(to)))
    if business is None and messaging_service_sid:
        business = session.scalar(
            select(Business).where(Business.messaging_service_sid == messaging_service_sid)
        )
    return business


def find_sender(
    session: Session, business: Business, channel: Channel, sender: str
) -> ContactAddress | None:
    """The contact address a message came from, or None for an unknown sender.

    On WhatsApp the customer's phone number counts too: a WhatsApp account is
    a phone number, so the customer with that mobile is the sender even before
    a WhatsApp address was recorded for them (the result is then their `tel`).
    """
    bare = normalise_sender(sender)
    address = find_address(session, business, ADDRESS_KINDS[channel], bare)
    if address is None and channel == Channel.WHATSAPP:
        address = find_address(session, business, AddressKind.TEL, bare)
    return address


def channel_address(
    session: Session, business: Business, channel: Channel, sender: str, customer_id: int
) -> ContactAddress:
    """Record `sender` as the customer's address on `channel` (e.g. their WhatsApp,
    found through their phone number), so an opt-out on that channel lands on it.
    Notices go there only once the business sets it as the customer's number for
    that channel: writing to a business is not agreeing to its notices."""
    address = ContactAddress(
        business_id=business.id,
        customer_id=customer_id,
        kind=ADDRESS_KINDS[channel],
        value=normalise_sender(sender),
    )
    session.add(address)
    session.flush()
    return address
