"""Phone numbers: E.164 with the business's region (R0.6, R1.1)."""

import pytest

from bot.phones import InvalidPhoneNumber, parse_phone


@pytest.mark.parametrize(
    ("typed", "region", "e164", "mobile"),
    [
        ("0151 12345678", "DE", "+4915112345678", True),  # domestic without +49 (R1.1)
        ("+49 151 12345678", "NL", "+4915112345678", True),  # foreign with its code
        ("0049 151 12345678", "DE", "+4915112345678", True),
        ("06 12345678", "NL", "+31612345678", True),
        ("030 1234567", "DE", "+49301234567", False),  # a landline is kept, flagged
    ],
)
def test_numbers_are_stored_in_international_form(typed, region, e164, mobile):
    number = parse_phone(typed, region)
    assert (number.e164, number.is_mobile) == (e164, mobile)


def test_a_landline_carries_a_warning():
    assert parse_phone("030 1234567", "DE").warning == "not a mobile number: SMS may not arrive"
    assert parse_phone("0151 12345678", "DE").warning is None


@pytest.mark.parametrize("typed", ["12345", "0151", "not a number", "", "+49 000 000000"])
def test_impossible_numbers_are_refused_naming_number_and_region(typed):
    with pytest.raises(InvalidPhoneNumber) as caught:
        parse_phone(typed, "DE")
    assert repr(typed) in str(caught.value)
    assert "region DE" in str(caught.value)
