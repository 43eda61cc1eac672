"""R3, the booking calendar's message types: R3.1 – R3.4, through the API, the
dispatcher, the real worker, the fake Twilio API and the SMTP sink."""

from __future__ import annotations

from datetime import timedelta

from tests.support.api import assert_error, created, notices_by_kind, notifications
from tests.support.received import mails_to, plain, texts_to
from tests.support.settings import MOBILE
from tests.support.times import berlin_time

EMAIL = "ursula@example.org"
DUTCH_MONTHS = (
    "januari februari maart april mei juni juli augustus september oktober november december"
).split()


def rule(api, notice: str, **query) -> dict:
    rules = created(api.get("/rules", query_string={"kind": "appointment", **query}))["items"]
    [found] = [r for r in rules if r["notice"] == notice and r["audience"] == "customer"]
    return found


def patch_record(api, record: dict, **changes) -> dict:
    body = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in changes.items()}
    return created(api.patch(f"/records/{record['id']}", json=body))


def test_r3_1_every_message_type_reaches_the_customer(
    api, add_customer, book, deliver, fake_twilio, text_in
):
    """R3.1 Message types: awaiting confirmation, confirmed, rejected, cancelled
    (by business or customer), rescheduled (with the new time), reminder
    (configurable lead)."""
    created(api.patch("/business", json={"locale": "nl", "name": "Kapsalon Noord"}))
    customer = add_customer(name="Eva de Vries")
    starts_at = berlin_time(3, 10)
    record = book(customer, starts_at, status="confirmed")
    deliver()
    patch_record(api, record, status="pending")
    deliver()
    patch_record(api, record, status="confirmed")
    deliver()
    moved = berlin_time(4, 15, 30)
    patch_record(api, record, starts_at=moved)
    deliver()
    deliver(moved - timedelta(hours=24))
    patch_record(api, record, status="cancelled")
    deliver()
    declined = book(customer, berlin_time(6), status="pending", source="online")
    patch_record(api, declined, status="rejected")
    deliver()
    by_text = book(customer, berlin_time(2, 9), status="confirmed")
    deliver()
    text_in("annuleren")  # the customer cancels by text
    deliver()

    booked, awaiting, confirmed, rescheduled, reminder, cancelled, rejected, _, reply = texts_to(
        fake_twilio, MOBILE
    )
    assert "is geboekt" in booked and "is geboekt" in confirmed
    assert "wacht op onze bevestiging" in awaiting
    assert rescheduled.startswith("Uw afspraak bij Kapsalon Noord is gewijzigd. Hij is nu op ")
    assert rescheduled.endswith(
        f" {moved.day} {DUTCH_MONTHS[moved.month - 1]} {moved.year} om 15:30 uur."
    )
    assert reminder.startswith("Herinnering: uw afspraak bij Kapsalon Noord")
    assert "om 15:30 uur" in reminder
    assert cancelled.endswith("om 15:30 uur is geannuleerd.")
    assert "niet aannemen" in rejected
    assert reply.endswith("om 09:00 uur is geannuleerd.")  # cancelled by the customer
    by_customer = created(api.get(f"/records/{by_text['id']}"))
    assert (by_customer["status"], by_customer["cancelled_by"]) == ("cancelled", "customer")
    # the bot's reply is the customer's confirmation; no second cancellation notice
    assert "cancellation" not in {notice for notice, _ in notices_by_kind(api, by_text)}


def test_r3_2_email_and_sms_are_chosen_separately_per_message_type(
    api, add_customer, book, deliver, fake_twilio, smtp_sink
):
    """R3.2 Email and SMS enabled separately per message type."""
    reminder, cancellation, change = (
        rule(api, "reminder"),
        rule(api, "cancellation"),
        rule(api, "change"),
    )
    assert created(api.patch(f"/rules/{reminder['id']}", json={"channel": "sms"}))["channel"] == (
        "sms"
    )
    created(api.patch(f"/rules/{cancellation['id']}", json={"channel": "sms_and_email"}))
    created(api.patch(f"/rules/{change['id']}", json={"enabled": False}))
    customer = add_customer(email=EMAIL, email_consent=True)  # reachable both ways
    starts_at = berlin_time(3)
    record = book(customer, starts_at)
    deliver()
    deliver(starts_at - timedelta(hours=24))
    created(
        api.patch(f"/records/{record['id']}", json={"starts_at": berlin_time(3, 16).isoformat()})
    )
    created(api.patch(f"/records/{record['id']}", json={"status": "cancelled"}))
    deliver()

    confirmation, cancelled = mails_to(smtp_sink, EMAIL)  # auto: email; no change notice
    assert "ist gebucht" in plain(confirmation)
    assert cancelled["Subject"].endswith("wurde abgesagt")
    reminded, cancelled_sms = texts_to(fake_twilio, MOBILE)
    assert reminded.startswith("Erinnerung:")
    assert "wurde abgesagt" in cancelled_sms
    assert "change" not in {n["notice"] for n in notifications(api, record)}


def test_r3_3_the_business_writes_its_own_message_text(
    api, add_customer, book, deliver, fake_twilio, smtp_sink
):
    """R3.3 Custom message text."""
    [sms] = created(
        api.get("/templates", query_string={"name": "reminder", "channel": "sms", "locale": "de"})
    )["items"]
    created(
        api.patch(
            f"/templates/{sms['id']}",
            json={"body": "Bis {{ weekday }} um {{ time }} Uhr, {{ customer.first_name }}!"},
        )
    )
    [mail] = created(
        api.get(
            "/templates", query_string={"name": "confirmation", "channel": "email", "locale": "de"}
        )
    )["items"]
    created(
        api.patch(
            f"/templates/{mail['id']}",
            json={
                "subject": "Gebucht: {{ date }}",
                "body": "Liebe {{ customer.first_name }}, wir sehen uns um {{ time }} Uhr.",
            },
        )
    )
    refused = api.patch(f"/templates/{sms['id']}", json={"body": "Hallo {{ kunde.name }"})
    assert_error(refused, 422, field="body")
    texted = add_customer()
    emailed = add_customer(name="Jana Berg", phone=None, email=EMAIL, email_consent=True)
    starts_at = berlin_time(3, 11)
    book(texted, starts_at)
    book(emailed, starts_at)
    deliver()
    deliver(starts_at - timedelta(hours=24))

    assert texts_to(fake_twilio, MOBILE)[-1].startswith("Bis ")
    assert texts_to(fake_twilio, MOBILE)[-1].endswith(" um 11:00 Uhr, Ursula!")
    confirmation = mails_to(smtp_sink, EMAIL)[0]
    assert confirmation["Subject"] == f"Gebucht: {starts_at:%d.%m.%Y}"
    assert plain(confirmation).strip() == "Liebe Jana, wir sehen uns um 11:00 Uhr."


def test_r3_4_notices_to_the_business_are_separate_from_the_customer_s(
    api, add_customer, book, deliver, fake_twilio, smtp_sink
):
    """R3.4 Notifications to the business itself are separate from customer ones."""
    created(api.patch("/business", json={"notification_email": "team@salon.example"}))
    rules = created(api.get("/rules", query_string={"trigger": "request_received"}))["items"]
    by_audience = {r["audience"]: r for r in rules}
    assert by_audience["business"]["channel"] == "email"
    refused = api.patch(f"/rules/{by_audience['business']['id']}", json={"channel": "sms"})
    assert_error(refused, 422, field="channel")  # the business is told by email
    # switching the customer's notice off leaves the team's alone …
    created(api.patch(f"/rules/{by_audience['customer']['id']}", json={"enabled": False}))
    starts_at = berlin_time(3)
    book(add_customer(), starts_at, source="online", status="pending")
    deliver()
    [team] = mails_to(smtp_sink, "team@salon.example")
    assert team["Subject"] == f"Neue Terminanfrage: Ursula Hoffmann, {starts_at:%d.%m.%Y} 14:00"
    assert texts_to(fake_twilio, MOBILE) == []

    # … and the other way round
    created(api.patch(f"/rules/{by_audience['customer']['id']}", json={"enabled": True}))
    created(api.patch(f"/rules/{by_audience['business']['id']}", json={"enabled": False}))
    book(
        add_customer(name="Jana Berg", phone="+4915198765432"),
        starts_at,
        source="online",
        status="pending",
    )
    deliver()
    assert len(mails_to(smtp_sink, "team@salon.example")) == 1
    [received] = texts_to(fake_twilio, "+4915198765432")
    assert "Anfrage" in received and "erhalten" in received
