"""R2, the rebook SMS's text: R2.2 and R2.3, through the template
API, a rule that sends the template, the worker and the fake Twilio API.
(The rebook nudges themselves, R2.1 and R2.4 – R2.6, are in test_r2_rebook.py.)"""

from __future__ import annotations

from tests.support.api import created
from tests.support.received import texts_to
from tests.support.settings import MOBILE
from tests.support.times import berlin_time

BOOKING_URL = "https://salon.example/buchen"


def template(api, name: str, channel: str = "sms", locale: str = "de") -> dict:
    query = {"name": name, "channel": channel, "locale": locale}
    [found] = created(api.get("/templates", query_string=query))["items"]
    return found


def test_r2_2_templates_take_personal_fields_and_the_booking_link(
    api, add_customer, book, deliver, fake_twilio
):
    """R2.2 Template editor with personal fields (customer name, staff name) and a
    booking link (in the default text)."""
    created(api.patch("/business", json={"booking_url": BOOKING_URL}))
    rebook = template(api, "rebook")
    for field in ("{{ customer.first_name", "{{ staff.name }}", "{{ booking_url }}"):
        assert field in rebook["body"]
    shown = created(api.post("/templates/preview", json={"template_id": rebook["id"]}))
    assert shown["text"] == (
        "Hallo Ursula, Zeit für Ihren nächsten Termin bei Salon Sonnenschein? "
        f"Jane freut sich auf Sie. Jetzt buchen: {BOOKING_URL}"
    )

    personal = created(
        api.post(
            "/templates",
            json={
                "name": "personal_confirmation",
                "channel": "sms",
                "locale": "de",
                "body": "Hallo {{ customer.first_name }}, {{ staff.name }} freut sich am "
                "{{ date }} auf Sie. Weitere Termine: {{ booking_url }}",
            },
        )
    )
    [rule] = created(api.get("/rules", query_string={"trigger": "created", "kind": "appointment"}))[
        "items"
    ]
    created(api.patch(f"/rules/{rule['id']}", json={"template_name": personal["name"]}))
    anna = created(api.post("/staff", json={"name": "Anna Schmidt"}))
    starts_at = berlin_time(3)
    book(add_customer(name="Ursula Hoffmann"), starts_at, staff_id=anna["id"])

    deliver()

    assert texts_to(fake_twilio, MOBILE) == [
        f"Hallo Ursula, Anna Schmidt freut sich am {starts_at:%d.%m.%Y} auf Sie. "
        f"Weitere Termine: {BOOKING_URL}"
    ]


def test_r2_3_the_preview_uses_placeholder_names(api):
    """R2.3 Preview renders with placeholder names ("Ursula Hoffmann", "Jane")."""
    sms = created(
        api.post(
            "/templates/preview",
            json={
                "channel": "sms",
                "body": "{{ customer.name }} hat einen Termin bei {{ staff.name }}.",
            },
        )
    )
    assert sms["text"] == "Ursula Hoffmann hat einen Termin bei Jane."
    assert (sms["segments"], sms["encoding"]) == (1, "GSM-7")

    email = created(
        api.post(
            "/templates/preview",
            json={
                "channel": "email",
                "locale": "en",
                "subject": "See you, {{ customer.first_name }}",
                "body": "{{ staff.name }} is looking forward to seeing {{ customer.name }}.",
            },
        )
    )
    assert email["subject"] == "See you, Ursula"
    assert email["text"] == "Jane is looking forward to seeing Ursula Hoffmann."
    assert (email["segments"], email["encoding"]) == (0, None)
