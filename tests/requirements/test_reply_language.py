"""The bot answers in the language the customer writes in.

Through the API, the signed inbound webhook, the dispatcher, the real worker
and the fake Twilio API: an English text to a German salon is answered in
English and the customer keeps English for later notices; a locale staff set
stays stored though the reply follows the text; a text too short to tell the
language ("ja", "ok") changes nothing; Dutch likewise; an unknown sender is
answered in the language of their text. Expected texts are the shipped default
texts rendered in the expected language, so the tests follow wording changes.
"""

from __future__ import annotations

from datetime import timedelta

from bot.models import Customer
from outbound.policy.rendering import default_template, render, time_variables
from outbound.policy.vocabulary import Channel
from tests.support.api import created
from tests.support.received import texts_to
from tests.support.times import berlin_time

SALON = {"name": "Salon Sonnenschein"}  # the `business` fixture


def text(name: str, locale: str, starts_at) -> str:
    """The shipped SMS text `name` in `locale` for an appointment at `starts_at`."""
    variables = {
        "business": SALON,
        "cancel_url": None,  # the salon offers no cancel or booking links
        "booking_url": None,
        **time_variables(starts_at, "Europe/Berlin", locale),
    }
    return render(default_template(name, Channel.SMS, locale), variables).body


def stored_locale(api, customer: dict) -> str | None:
    return created(api.get(f"/customers/{customer['id']}"))["locale"]


def test_an_english_text_to_a_german_salon_is_answered_in_english_and_kept(
    api, add_customer, book, deliver, fake_twilio, text_in
):
    customer = add_customer()  # no locale: the salon's German
    starts_at = berlin_time(3, 10, 30)
    book(customer, starts_at)
    deliver()
    assert texts_to(fake_twilio)[-1].startswith(text("confirmation", "de", starts_at))  # German

    text_in("Yes, I'll be there, thanks!")
    deliver()

    assert texts_to(fake_twilio)[-1] == text("reply_confirmed", "en", starts_at)
    assert stored_locale(api, customer) == "en"
    deliver(starts_at - timedelta(hours=24))  # the reminder, planned before the text
    assert texts_to(fake_twilio)[-1] == text("reminder", "en", starts_at)


def test_a_later_change_notice_follows_the_language_the_customer_wrote_in(
    api, add_customer, book, deliver, fake_twilio, text_in
):
    record = book(add_customer(), berlin_time(3))
    deliver()
    text_in("Yes, I'll be there, thanks!")
    deliver()

    moved = berlin_time(4, 16)
    created(api.patch(f"/records/{record['id']}", json={"starts_at": moved.isoformat()}))
    deliver()

    assert texts_to(fake_twilio)[-1] == text("change", "en", moved)


def test_a_locale_staff_set_stays_though_the_reply_follows_the_text(
    api, add_customer, book, deliver, fake_twilio, text_in, db
):
    customer = add_customer(locale="de")
    starts_at = berlin_time(3, 10, 30)
    book(customer, starts_at)
    deliver()

    text_in("Yes, I'll be there, thanks!")
    deliver()

    assert texts_to(fake_twilio)[-1] == text("reply_confirmed", "en", starts_at)
    assert stored_locale(api, customer) == "de"
    assert db.session.get(Customer, customer["id"]).locale_set_by_staff is True
    deliver(starts_at - timedelta(hours=24))
    assert texts_to(fake_twilio)[-1] == text("reminder", "de", starts_at)


def test_staff_clearing_the_locale_lets_the_customer_language_be_kept_again(
    api, add_customer, book, deliver, fake_twilio, text_in, db
):
    customer = add_customer(locale="en")
    created(api.patch(f"/customers/{customer['id']}", json={"locale": None}))
    assert db.session.get(Customer, customer["id"]).locale_set_by_staff is False
    starts_at = berlin_time(3)
    book(customer, starts_at)
    deliver()

    text_in("Ja hoor, ik kom graag")
    deliver()

    assert texts_to(fake_twilio)[-1] == text("reply_confirmed", "nl", starts_at)
    assert stored_locale(api, customer) == "nl"


def test_a_text_too_short_to_tell_changes_nothing(
    api, add_customer, book, deliver, fake_twilio, text_in
):
    customer = add_customer()
    starts_at = berlin_time(3)
    book(customer, starts_at)
    deliver()

    text_in("ok")
    deliver()
    assert texts_to(fake_twilio)[-1] == text("reply_confirmed", "de", starts_at)
    assert stored_locale(api, customer) is None

    text_in("Yes, I'll be there, thanks!")
    text_in("ja")  # German and Dutch alike: the English the customer wrote before stays
    deliver()
    assert texts_to(fake_twilio)[-2:] == [text("reply_confirmed", "en", starts_at)] * 2
    assert stored_locale(api, customer) == "en"


def test_a_dutch_text_is_answered_in_dutch_and_later_notices_follow(
    api, add_customer, book, deliver, fake_twilio, text_in
):
    customer = add_customer()
    starts_at = berlin_time(3, 10, 30)
    book(customer, starts_at)
    deliver()

    text_in("Ja, ik kom. Tot dan!")
    deliver()

    assert texts_to(fake_twilio)[-1] == text("reply_confirmed", "nl", starts_at)
    assert stored_locale(api, customer) == "nl"
    deliver(starts_at - timedelta(hours=24))
    assert texts_to(fake_twilio)[-1] == text("reminder", "nl", starts_at)


def test_an_unknown_sender_is_answered_in_the_language_of_their_text(
    api, deliver, fake_twilio, text_in
):
    stranger = "+4915198765432"
    text_in("Hi, I would like to book an appointment please", sender=stranger)
    deliver()
    [reply] = texts_to(fake_twilio, stranger)
    assert reply == text("reply_unknown_sender", "en", None)
