"""Twilio's webhooks take only what Twilio sends: bounded, typed parameters.

A signed form outside the bounds is a 400 in the error shape (Twilio logs it
and does not retry) and stores nothing; a customer's text the reader cannot
make sense of (a 1 500-digit number) is a text like any other: stored,
answered, 200 TwiML. A hypothesis run throws random and hostile parameters at
both webhooks, correctly signed: never a 5xx.
"""

from __future__ import annotations

import os
import string

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.models import Conversation, Direction, Message, ProcessedWebhook
from tests.support.webhooks import MESSAGES_PATH, STATUS_PATH, inbound_form, sign
from tests.webhooks.test_twilio_status import status_form


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def assert_refused(db, response, field: str) -> None:
    assert response.status_code == 400, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == ("invalid_request", field)
    assert error["message"].startswith(f"{field}: ")
    assert count(db, Message) == count(db, ProcessedWebhook) == count(db, Conversation) == 0


def assert_twiml(response) -> None:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    assert b"<Response" in response.data


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("Body", "x" * 1601),  # Twilio's limit is 1 600 characters
        ("NumSegments", str(2**63)),  # stored, it overflowed the integer column
        ("NumSegments", "9" * 5000),  # more digits than int() converts
        ("NumSegments", "101"),
        ("NumSegments", "-1"),
        ("NumSegments", "1.5"),
        ("MessageSid", "SM" + "0" * 63),
        ("From", "+49" * 100),
        ("From", "messenger:" + "1" * 111),  # 121: longer than the address columns hold
        ("To", ""),
        ("MessagingServiceSid", "MG" + "0" * 100),
        ("OptOutType", "STOP" * 10),
        ("Body", "ja\x00"),  # PostgreSQL cannot store a NUL
    ],
)
def test_a_parameter_out_of_bounds_is_400_and_stores_nothing(
    db, business, customer_factory, post_signed, field, value
):
    customer_factory()
    response = post_signed(MESSAGES_PATH, inbound_form("ja", **{field: value}))

    assert_refused(db, response, field)
    assert_twiml(post_signed(MESSAGES_PATH, inbound_form("ja")))  # still answering


def test_a_whatsapp_message_longer_than_an_sms_is_taken_and_a_longer_one_refused(
    db, business_factory, post_signed
):
    business_factory(name="Salon Mond", sms_from="+4930555098", whatsapp_from="+4930555099")
    sender, to = "whatsapp:+4915112345678", "whatsapp:+4930555099"
    taken = post_signed(MESSAGES_PATH, inbound_form("ö" * 4096, sender=sender, to=to))
    refused = post_signed(MESSAGES_PATH, inbound_form("ö" * 4097, sender=sender, to=to))

    assert_twiml(taken)
    assert refused.status_code == 400
    assert refused.get_json()["error"]["field"] == "Body"
    bodies = db.session.scalars(select(Message.body).where(Message.direction == Direction.INBOUND))
    assert [len(body) for body in bodies] == [4096]


def test_the_largest_values_twilio_sends_are_taken(db, business, customer_factory, post_signed):
    customer_factory()
    form = inbound_form("ü" * 1600, NumSegments="100")

    assert_twiml(post_signed(MESSAGES_PATH, form))

    inbound = db.session.scalar(select(Message).where(Message.direction == Direction.INBOUND))
    assert (len(inbound.body), inbound.segments) == (1600, 100)


@pytest.mark.parametrize(
    "body",
    [
        f"Verschieben auf den {'9' * 1500}. Tag",
        f"Geht es {'9' * 400} Stunden später?",  # float() of it overflowed: a 500 before
        f"push it back {'9' * 12} hours",  # past the year 9999: a 500 before
        "Können wir auf den 31.12.9999 verschieben?",  # the day after is past the calendar
    ],
)
def test_a_text_with_an_endless_number_is_read_like_any_unclear_text(
    db, customer_factory, record_factory, text_in, body
):
    record_factory(customer_factory())

    assert_twiml(text_in(body))

    inbound = db.session.scalar(select(Message).where(Message.direction == Direction.INBOUND))
    assert inbound.body == body
    assert db.session.scalar(
        select(func.count()).select_from(Message).where(Message.direction == Direction.OUTBOUND)
    )  # the bot answered it


def test_a_5000_digit_text_is_longer_than_twilio_sends(db, business, text_in):
    # The reader copes with it too (tests/conversations/test_tokens.py); Twilio
    # never sends more than 1 600 characters, so the webhook refuses it first.
    assert_refused(db, text_in(f"Verschieben auf den {'9' * 5000}. Tag"), "Body")


@pytest.mark.parametrize("value", ["1_000", "+5", " 5", "-1", "9" * 5000, "0", "１２"])
def test_a_callback_id_that_is_not_plain_digits_is_not_an_id(db, business, post_signed, value):
    path = f"{STATUS_PATH}?message={value}"
    response = post_signed(path, status_form("SM" + "f" * 32, "delivered"))

    assert response.status_code == 204


@pytest.mark.parametrize(
    ("field", "value"),
    [("MessageSid", "SM" + "1" * 100), ("MessageStatus", "d" * 33), ("ErrorCode", "3" * 17)],
)
def test_a_status_parameter_out_of_bounds_is_400(db, business, post_signed, field, value):
    response = post_signed(STATUS_PATH, status_form("SM" + "f" * 32, "delivered", **{field: value}))

    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == field


# --- hypothesis: random and hostile parameters, correctly signed ---------------------


@pytest.fixture
def booked(customer_factory, record_factory):
    """The customer the forms come from, with an appointment to answer about."""
    return record_factory(customer_factory())


_NAMES = ["MessageSid", "From", "To", "Body", "NumSegments", "NumMedia", "MessagingServiceSid"]
_NAMES += ["OptOutType", "MessageStatus", "ErrorCode", "SmsStatus", "AccountSid", "MediaUrl0"]
_HOSTILE = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        str(2**63),
        "9" * 5000,
        "1e400",
        "NaN",
        "\x00",
        "\ud800",
        "ja" * 900,
        "+4915112345678",
        "whatsapp:+4915112345678",
        "messenger:123",
        "STOP",
        "START",
        "Verschieben auf den " + "9" * 5000 + ". Tag",
        "{{ 7*7 }}",
        "<Response/>",
        "'; DROP TABLE message; --",
    ]
)
_VALUES = st.one_of(_HOSTILE, st.text(max_size=40), st.text(string.digits, max_size=30))


@settings(
    # A longer run: WEBHOOK_FUZZ_EXAMPLES=10000 .venv/bin/python -m pytest -k random_signed
    max_examples=int(os.environ.get("WEBHOOK_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    path=st.sampled_from([MESSAGES_PATH, STATUS_PATH, STATUS_PATH + "?message=1"]),
    base=st.booleans(),
    fields=st.dictionaries(st.sampled_from(_NAMES), _VALUES, max_size=6),
)
def test_random_signed_parameters_never_get_a_5xx(db, booked, client, path, base, fields):
    valid = inbound_form("ja") if path == MESSAGES_PATH else status_form("SM" + "a" * 32, "sent")
    form = {**(valid if base else {}), **fields}
    # The form is sent as UTF-8; a lone surrogate cannot be, so Twilio never signs one.
    form = {k: v.encode("utf-8", "replace").decode("utf-8") for k, v in form.items()}
    response = client.post(path, data=form, headers={"X-Twilio-Signature": sign(path, form)})

    event(f"{path.split('?')[0]} answered {response.status_code}")  # --hypothesis-show-statistics
    assert response.status_code in (200, 204, 400), response.get_data(as_text=True)[:500]
    if response.status_code == 400:
        error = response.get_json()["error"]
        assert set(error) >= {"code", "message", "field"} and error["message"]
    elif response.status_code == 200:
        assert response.mimetype == "text/xml" and b"<Response" in response.data
