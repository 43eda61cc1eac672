"""POST /messages: a staff message to a customer, by email or else by SMS (R0.2)."""

from __future__ import annotations

from tests.support.api import assert_error


def test_a_customer_without_email_gets_the_staff_message_by_sms(
    api, customer_factory, work, fake_twilio
):
    customer = customer_factory()

    response = api.post("/messages", json={"customer_id": customer.id, "body": "Ihr Gerät ist da."})
    work()

    assert response.status_code == 201, response.get_json()
    message = response.get_json()
    assert (message["channel"], message["author"], message["to"]) == (
        "sms",
        "staff",
        "+4915112345678",
    )
    assert message["conversation_id"] is not None
    [sms] = fake_twilio.messages
    assert (sms.to, sms.body) == ("+4915112345678", "Ihr Gerät ist da.")


def test_a_customer_with_email_and_consent_gets_it_by_email(
    api, customer_factory, work, smtp_sink, fake_twilio
):
    customer = customer_factory(email="ursula@example.org", email_consent=True)

    response = api.post(
        "/messages",
        json={"customer_id": customer.id, "body": "Ihr Gerät ist da.", "subject": "Abholung"},
    )
    work()

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["channel"] == "email"
    [mail] = smtp_sink.messages
    assert (mail["To"], mail["Subject"]) == ("ursula@example.org", "Abholung")
    assert "Ihr Gerät ist da." in mail.get_body(("plain",)).get_content()
    assert fake_twilio.messages == []


def test_an_unreachable_customer_is_refused_with_the_reason(api, customer_factory, fake_twilio):
    customer = customer_factory(sms_consent=False)

    response = api.post("/messages", json={"customer_id": customer.id, "body": "Hallo"})

    error = assert_error(response, 422, code="unreachable", field="customer_id")
    assert "customer has no SMS consent" in error["message"]
    assert fake_twilio.messages == []


def test_another_business_s_customer_is_not_found(other_api, customer_factory):
    customer = customer_factory()

    response = other_api.post("/messages", json={"customer_id": customer.id, "body": "Hallo"})

    assert_error(response, 404, field="customer_id")


def test_an_empty_body_is_refused(api, customer_factory):
    response = api.post("/messages", json={"customer_id": customer_factory().id, "body": ""})

    assert_error(response, 422, field="body")
