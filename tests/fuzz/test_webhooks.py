"""hypothesis over correctly signed Twilio webhooks, in-process.

Inbound messages carry hostile text (digit runs past the 4 300-digit `int()`
limit, control characters, any Unicode) and hostile numbers (`NumSegments` past
2**63); status callbacks name one message's id with another's SID. Every form is
signed the way Twilio signs it, so none may be refused with 403: the answer is
200 (TwiML) or 204, or a 400 in the error shape, and never an exception (a 500
that Twilio would retry again and again). Derandomized, so CI sees the same forms.
"""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.inputs import (
    INBOUND_PATH,
    SIGNATURE_HEADER,
    inbound_forms,
    known_inbound_forms,
    known_status_callbacks,
    signature,
    status_callbacks,
)
from tests.fuzz.shape import error_shape_problem
from tests.support.databases import BOTH_DATABASES
from tests.support.outbox import queue_sms
from tests.support.settings import PUBLIC_BASE_URL, SMS_FROM, TWILIO_TOKEN

# PostgreSQL refuses what SQLite stores (a NUL, a string longer than its column),
# so the webhooks are fuzzed on both.
pytestmark = BOTH_DATABASES

CUSTOMER_PHONE = "+4915112345678"  # customer_factory's default, seeded by `seeded`

FUZZ_SETTINGS = settings(
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # one app and database for all examples
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


def post_signed(client, db, path: str, form: dict):
    headers = {SIGNATURE_HEADER: signature(TWILIO_TOKEN, PUBLIC_BASE_URL + path, form)}
    try:
        return client.post(path, data=form, headers=headers)
    except Exception as error:  # what the app let escape: a 500 in production
        # The test's app context outlives the request: leave its session usable
        # for the next example, so hypothesis reports this failure alone.
        db.session.rollback()
        message = f"{type(error).__name__}: {str(error)[:300]} for {path} {form!r:.600}"
        raise AssertionError(message) from error


def assert_answered(response, ok: int, form: dict) -> None:
    text = response.get_data(as_text=True)[:300]
    assert response.status_code in (ok, 400), f"{response.status_code} for {form!r:.500}: {text}"
    problem = error_shape_problem(response.status_code, response.get_data())
    assert problem is None, f"{problem} for {form!r:.500}"


@FUZZ_SETTINGS
@given(form=inbound_forms([CUSTOMER_PHONE], [SMS_FROM]))
def test_signed_inbound_messages_are_answered(client, db, seeded, form):
    assert_inbound_answered(client, db, form)


@pytest.mark.parametrize("index", range(len(known_inbound_forms(CUSTOMER_PHONE, SMS_FROM))))
def test_known_hostile_inbound_messages_are_answered(client, db, seeded, index):
    assert_inbound_answered(client, db, known_inbound_forms(CUSTOMER_PHONE, SMS_FROM)[index])


def assert_inbound_answered(client, db, form: dict) -> None:
    if "MessageSid" in form:
        # Each example is a new message (a repeated SID is a duplicate Twilio
        # retry, answered without reading it), so hypothesis can replay a failure.
        form["MessageSid"] += uuid.uuid4().hex[:8]
    assert_answered(post_signed(client, db, INBOUND_PATH, form), 200, form)


@FUZZ_SETTINGS
@given(data=st.data())
def test_signed_status_callbacks_are_answered(client, db, business, seeded, data):
    # Two fresh messages per example, one still waiting for its SID and one that
    # has it, so a callback may pair the first's id with the second's SID, and a
    # replayed example meets the same situation.
    waiting = queue_sms(db.session, business, seeded.customer, "Ihr Termin steht.")
    sent = queue_sms(db.session, business, seeded.customer, "Bis morgen!")
    sent.provider_sid = "SM" + uuid.uuid4().hex
    db.session.commit()

    path, form = data.draw(status_callbacks([waiting.id, sent.id], [sent.provider_sid]))
    assert_answered(post_signed(client, db, path, form), 204, {"path": path, **form})


@pytest.mark.parametrize("index", range(len(known_status_callbacks(1, "SM"))))
def test_known_hostile_status_callbacks_are_answered(client, db, seeded, index):
    waiting_id, other_sid = seeded.message_ids[0], seeded.sids[0]
    path, form = known_status_callbacks(waiting_id, other_sid)[index]
    assert_answered(post_signed(client, db, path, form), 204, {"path": path, **form})
