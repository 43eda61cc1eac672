"""Customers and the addresses they can be reached at: one `ContactAddress` per channel
(tel, whatsapp, messenger), which an inbound message finds its customer by and an opt-out is
recorded on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.models.base import Base, ShortText, UTCDateTime, str_enum, utcnow
from outbound.policy.vocabulary import AddressKind


class Customer(Base):
    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("business.id"), index=True)
    name: Mapped[str | None] = mapped_column(ShortText)
    phone: Mapped[str | None] = mapped_column(String(20), index=True)  # E.164
    # False when the number is valid but not a mobile: SMS may not arrive.
    phone_is_mobile: Mapped[bool | None] = mapped_column(Boolean)
    email: Mapped[str | None] = mapped_column(ShortText)
    # The number the customer gets WhatsApp notices on (E.164), when they agreed to.
    whatsapp: Mapped[str | None] = mapped_column(String(20))
    sms_consent: Mapped[bool] = mapped_column(Boolean, default=False)  # R1.3
    email_consent: Mapped[bool] = mapped_column(Boolean, default=False)  # R1.3
    locale: Mapped[str | None] = mapped_column(String(8))  # None: the business's
    # True when staff gave the locale (API, import): then the language the customer
    # writes in is not stored over it. False: the bot keeps the customer's own language.
    locale_set_by_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    privacy_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # R1.12
    external_id: Mapped[str | None] = mapped_column(ShortText, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    addresses: Mapped[list[ContactAddress]] = relationship(
        back_populates="customer", cascade="all, delete-orphan"
    )

    def address(self, kind: AddressKind) -> ContactAddress | None:
        """The address of `kind` the customer is reached at now.

        For `tel` that is the row of the current phone, for `whatsapp` the row
        of the current WhatsApp number: rows of numbers the customer used before
        stay (they keep the number's opt-out and still match replies from it)
        but are not where notices go.
        """
        current = {AddressKind.TEL: self.phone, AddressKind.WHATSAPP: self.whatsapp}
        if kind in current:
            return next(
                (a for a in self.addresses if a.kind == kind and a.value == current[kind]), None
            )
        return next((a for a in self.addresses if a.kind == kind), None)


# One row per way to reach a customer, like RapidPro's URNs.
class ContactAddress(Base):
    __tablename__ = "contact_address"
    __table_args__ = (UniqueConstraint("business_id", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("business.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    kind: Mapped[AddressKind] = mapped_column(str_enum(AddressKind))
    value: Mapped[str] = mapped_column(String(120))
    # Set when the customer sent STOP (or the carrier reported 21610) on this address.
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="addresses")
