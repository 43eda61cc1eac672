"""Customer services: phone numbers and the opt-outs that belong to them, the search."""

import pytest
from sqlalchemy import select

from bot.errors import DomainError
from bot.models import AddressKind, Customer
from bot.services.commands import CustomerChanges
from bot.services.customers import create_customer, search_customers, update_customer
from bot.services.lookup import number_pattern
from tests.support.databases import BOTH_DATABASES


def test_an_opt_out_survives_removing_and_re_adding_the_number(db, business, customer_factory, now):
    customer = customer_factory()
    customer.address(AddressKind.TEL).opted_out_at = now  # the customer texted STOP
    db.session.commit()
    update_customer(db.session, business, customer, CustomerChanges(phone=None))
    assert customer.address(AddressKind.TEL) is None
    update_customer(db.session, business, customer, CustomerChanges(phone="0151 12345678"))
    assert customer.address(AddressKind.TEL).opted_out_at == now


def test_a_new_number_is_not_opted_out_and_the_old_one_stays_so(
    db, business, customer_factory, now
):
    customer = customer_factory()
    customer.address(AddressKind.TEL).opted_out_at = now
    update_customer(db.session, business, customer, CustomerChanges(phone="0160 5555555"))
    assert customer.address(AddressKind.TEL).opted_out_at is None
    update_customer(db.session, business, customer, CustomerChanges(phone="+4915112345678"))
    assert customer.address(AddressKind.TEL).opted_out_at == now


def test_a_number_given_up_by_one_customer_can_go_to_another_with_its_opt_out(
    db, business, customer_factory, now
):
    first = customer_factory()
    first.address(AddressKind.TEL).opted_out_at = now
    update_customer(db.session, business, first, CustomerChanges(phone="0160 5555555"))
    second = customer_factory(name="Jane Miller", phone="0151 12345678")
    assert second.address(AddressKind.TEL).opted_out_at == now


@BOTH_DATABASES
@pytest.mark.parametrize("q", ["000", "0 0 0", "(00) 0-0"])
def test_a_search_for_zeros_alone_finds_no_number(db, business, customer_factory, q):
    customer_factory(name="Ursula Hoffmann", phone="+4915112345678")
    customer_factory(name="Jane Miller", phone="+4916055555555")
    found, more = search_customers(db.session, business, q)
    assert (found, more) == ([], False)


def test_a_number_with_leading_zeros_still_finds_its_customer(db, business, customer_factory):
    ursula = customer_factory(name="Ursula Hoffmann", phone="+4915112345678")
    customer_factory(name="Jane Miller", phone="+4916055555555")
    assert search_customers(db.session, business, "0151 123")[0] == [ursula]
    assert search_customers(db.session, business, "00 151")[0] == [ursula]


def test_number_pattern_checks_the_length_after_the_zeros():
    assert number_pattern("000") is None
    assert number_pattern("0 0 0 1 2") is None
    assert number_pattern("0151") == "%151%"
    assert number_pattern("+49 (151) 12-3") == "%49151123%"
    assert number_pattern("Ursula 0151") is None


def test_a_customer_with_nothing_naming_them_is_refused(db, business):
    with pytest.raises(DomainError) as refused:
        create_customer(db.session, business, CustomerChanges(name=" ", sms_consent=True))

    assert (refused.value.code, refused.value.field) == ("required", "name")
    assert db.session.scalars(select(Customer)).all() == []


def test_a_change_emptying_every_naming_field_changes_nothing(db, business, customer_factory):
    customer = customer_factory(
        name="Ursula Hoffmann", phone="0151 12345678", email="u@example.test"
    )

    with pytest.raises(DomainError) as refused:
        update_customer(
            db.session,
            business,
            customer,
            CustomerChanges(name=None, phone=None, email="", locale="en"),
        )

    assert (refused.value.code, refused.value.field) == ("required", "name")
    assert (customer.name, customer.phone, customer.email, customer.locale) == (
        "Ursula Hoffmann",
        "+4915112345678",
        "u@example.test",
        None,
    )
