"""Phone numbers in, E.164 out (R0.6, R1.1): a domestic number gets the business's default
region, an impossible one is refused naming the number and the region, and a valid number
that is not a mobile is kept but flagged, since SMS to it may not arrive."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

MOBILE_TYPES = frozenset(
    {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE, PhoneNumberType.PAGER}
)


class InvalidPhoneNumber(ValueError):
    def __init__(self, number: str, region: str, detail: str = "is not a valid phone number"):
        self.number = number
        self.region = region
        super().__init__(f"{number!r} {detail} (default region {region})")


@dataclass(frozen=True)
class PhoneNumber:
    e164: str
    is_mobile: bool

    @property
    def warning(self) -> str | None:
        return None if self.is_mobile else "not a mobile number: SMS may not arrive"


def parse_phone(text: str, region: str) -> PhoneNumber:
    """Parse `text` as typed by staff or a customer, with `region` as the default country.

    Raises InvalidPhoneNumber when it cannot be a real number.
    """
    cleaned = (text or "").strip()
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    try:
        number = phonenumbers.parse(cleaned, region.upper())
    except NumberParseException as error:
        raise InvalidPhoneNumber(text, region, "cannot be read as a phone number") from error
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber(text, region)
    return PhoneNumber(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        is_mobile=phonenumbers.number_type(number) in MOBILE_TYPES,
    )


def normalise_sender(address: str) -> str:
    """Strip a channel prefix ("whatsapp:+49…") and return the bare address."""
    return address.split(":", 1)[1] if ":" in address else address
