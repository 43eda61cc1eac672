"""Customer services: phone numbers and the opt-outs that belong to them."""

from bot.models import AddressKind
from bot.services.customers import update_customer


def test_an_opt_out_survives_removing_and_re_adding_the_number(db, business, customer_factory, now):
    customer = customer_factory()
    customer.address(AddressKind.TEL).opted_out_at = now  # the customer texted STOP
    db.session.commit()
    update_customer(db.session, business, customer, {"phone": None})
    assert customer.address(AddressKind.TEL) is None
    update_customer(db.session, business, customer, {"phone": "0151 12345678"})
    assert customer.address(AddressKind.TEL).opted_out_at == now


def test_a_new_number_is_not_opted_out_and_the_old_one_stays_so(
    db, business, customer_factory, now
):
    customer = customer_factory()
    customer.address(AddressKind.TEL).opted_out_at = now
    update_customer(db.session, business, customer, {"phone": "0160 5555555"})
    assert customer.address(AddressKind.TEL).opted_out_at is None
    update_customer(db.session, business, customer, {"phone": "+4915112345678"})
    assert customer.address(AddressKind.TEL).opted_out_at == now


def test_a_number_given_up_by_one_customer_can_go_to_another_with_its_opt_out(
    db, business, customer_factory, now
):
    first = customer_factory()
    first.address(AddressKind.TEL).opted_out_at = now
    update_customer(db.session, business, first, {"phone": "0160 5555555"})
    second = customer_factory(name="Jane Miller", phone="0151 12345678")
    assert second.address(AddressKind.TEL).opted_out_at == now
