"""R1, email and SMS notices: R1.1 – R1.12, through the
API, the dispatcher, the real worker, the fake Twilio API and the SMTP sink."""

from __future__ import annotations

from datetime import UTC, timedelta

from tests.support.api import created, notices_by_kind, notifications
from tests.support.databases import BOTH_DATABASES
from tests.support.received import card, mails_to, plain, texts_to
from tests.support.settings import MOBILE
from tests.support.times import berlin_time

EMAIL = "ursula@example.org"


def patch_record(api, record: dict, **changes) -> dict:
    body = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in changes.items()}
    return created(api.patch(f"/records/{record['id']}", json=body))


def test_r1_1_domestic_numbers_need_no_country_code_foreign_ones_do(
    api, add_customer, book, deliver, fake_twilio
):
    """R1.1 Domestic numbers work without the country code (business default
    region); foreign numbers need it."""
    domestic = add_customer(phone="0151 12345678")
    dutch = add_customer(name="Eva de Vries", phone="+31 6 12345678")
    assert (domestic["phone"], dutch["phone"]) == ("+4915112345678", "+31612345678")
    # without its code a Dutch mobile is read as a German number, never as Dutch
    typed_without = created(api.post("/customers", json={"name": "Eva", "phone": "06 12345678"}))
    assert (typed_without["phone"], typed_without["phone_is_mobile"]) == ("+49612345678", False)
    assert any("not a mobile" in warning for warning in typed_without["warnings"])
    # a business in the Netherlands reads the same digits as a Dutch mobile
    assert created(api.patch("/business", json={"phone_region": "NL"}))["phone_region"] == "NL"
    assert add_customer(name="Eva", phone="06 87654321")["phone"] == "+31687654321"

    book(domestic, berlin_time(3))
    book(dutch, berlin_time(3, 15))
    deliver()

    assert sorted(sms.to for sms in fake_twilio.messages) == ["+31612345678", "+4915112345678"]


def test_r1_2_email_is_always_available_sms_only_when_switched_on(
    api, add_customer, book, deliver, fake_twilio, smtp_sink
):
    """R1.2 Email is always available; SMS must be switched on per business."""
    assert created(api.patch("/business", json={"sms_enabled": False}))["sms_enabled"] is False
    phone_only = add_customer()
    emailed = add_customer(name="Jana Berg", phone=None, email=EMAIL, email_consent=True)
    unreached = book(phone_only, berlin_time(3))
    book(emailed, berlin_time(3, 15))
    deliver()

    assert fake_twilio.messages == []
    assert len(mails_to(smtp_sink, EMAIL)) == 1
    skipped = notices_by_kind(api, unreached)[("confirmation", "sms")]
    assert skipped["status"] == "skipped"
    assert "SMS is switched off for this business" in skipped["reason"]

    created(api.patch("/business", json={"sms_enabled": True}))
    book(phone_only, berlin_time(4))
    deliver()
    [sms] = fake_twilio.messages
    assert sms.to == MOBILE and "ist gebucht" in sms.body


def test_r1_3_each_customer_opts_in_to_sms_and_to_email(
    api, add_customer, book, deliver, fake_twilio, smtp_sink
):
    """R1.3 Each customer individually opts in to SMS and to email notices."""
    customer = add_customer(sms_consent=False, email=EMAIL, email_consent=False)
    first = book(customer, berlin_time(3))
    deliver()
    assert fake_twilio.messages == [] and smtp_sink.messages == []
    [skipped] = [n for n in notifications(api, first) if n["notice"] == "confirmation"]
    assert skipped["status"] == "skipped"
    assert skipped["reason"] == (
        "no channel: customer has no email consent; customer has no SMS consent"
    )

    created(api.patch(f"/customers/{customer['id']}", json={"sms_consent": True}))
    book(customer, berlin_time(4))
    deliver()
    assert len(texts_to(fake_twilio)) == 1 and smtp_sink.messages == []

    created(api.patch(f"/customers/{customer['id']}", json={"email_consent": True}))
    book(customer, berlin_time(5))
    deliver()
    assert len(texts_to(fake_twilio)) == 1  # email with consent wins
    assert len(mails_to(smtp_sink, EMAIL)) == 1


def test_r1_4_the_appointment_card_is_an_email_with_an_ics_chosen_at_creation(
    api, add_customer, book, deliver, fake_twilio, smtp_sink
):
    """R1.4 Appointment card (email only) with add-to-calendar (.ics), chosen when
    the appointment is created."""
    customer = add_customer(email=EMAIL, email_consent=True)
    starts_at = berlin_time(3, 9, 15)
    record = book(customer, starts_at)
    book(customer, berlin_time(4), notify=False)  # staff chose no card for this one
    deliver()

    [mail] = mails_to(smtp_sink, EMAIL)
    assert f"{starts_at:%d.%m.%Y} um 09:15 Uhr" in plain(mail)
    part, event = card(mail)
    assert part.get_filename() == "termin.ics" and part.get_param("method") == "REQUEST"
    assert event["UID"] == f"record-{record['id']}@replydesk.test"
    assert event["DTSTART"].dt == starts_at.astimezone(UTC)
    assert event["DTEND"].dt == (starts_at + timedelta(minutes=45)).astimezone(UTC)
    assert fake_twilio.messages == []  # the card is email only


def test_r1_5_reminders_default_to_24_hours_and_the_lead_can_change(
    api, add_customer, book, deliver, fake_twilio
):
    """R1.5 Reminders default to 24 h before; the business can change the lead."""
    [rule] = created(api.get("/rules", query_string={"trigger": "reminder"}))["items"]
    assert rule["offset_minutes"] == 24 * 60
    customer = add_customer()
    day_before = book(customer, berlin_time(3))
    deliver()
    reminder = notices_by_kind(api, day_before)[("reminder", "sms")]
    assert reminder["due_at"].startswith(
        (berlin_time(3) - timedelta(hours=24)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
    )

    created(api.patch(f"/rules/{rule['id']}", json={"offset_minutes": 3 * 60}))
    starts_at = berlin_time(4, 16)
    book(customer, starts_at)
    deliver()  # both confirmations

    def reminders() -> list[str]:
        return [
            body
            for body in texts_to(fake_twilio)
            if body.startswith("Erinnerung") and f"{starts_at:%d.%m.%Y} um 16:00" in body
        ]

    deliver(starts_at - timedelta(hours=3, minutes=1))
    assert reminders() == []
    deliver(starts_at - timedelta(hours=3))
    assert len(reminders()) == 1


@BOTH_DATABASES  # the outbox: reminders withdrawn and planned again
def test_r1_6_a_move_after_the_reminder_went_out_sends_a_new_reminder(
    api, add_customer, book, deliver, fake_twilio
):
    """R1.6 When an appointment is moved after its reminder went out, a new
    reminder for the new time is sent."""
    starts_at = berlin_time(2, 10)
    record = book(add_customer(), starts_at)
    deliver()
    deliver(starts_at - timedelta(hours=24))  # the first reminder goes out
    moved = starts_at + timedelta(days=1, hours=5)
    patch_record(api, record, starts_at=moved)
    deliver()  # the change notice

    deliver(moved - timedelta(hours=24))

    reminders = [body for body in texts_to(fake_twilio) if body.startswith("Erinnerung")]
    assert len(reminders) == 2
    assert f"{starts_at:%d.%m.%Y} um 10:00 Uhr" in reminders[0]
    assert f"{moved:%d.%m.%Y} um 15:00 Uhr" in reminders[1]
    sent = [n for n in notifications(api, record) if n["notice"] == "reminder"]
    assert [n["status"] for n in sent] == ["sent", "sent"]


def test_r1_7_a_change_sends_a_changed_card_by_email_and_the_short_sms(
    api, add_customer, book, deliver, fake_twilio, smtp_sink
):
    """R1.7 Changes notify by email (new appointment card marked as changed) and
    SMS if enabled; staff choose per change whether to notify. Example SMS:
    "Ihr Termin mit Cosmetics Paradise wurde angepasst. Er findet am 23.04.2024
    um 14:00 Uhr statt." """
    created(api.patch("/business", json={"name": "Cosmetics Paradise"}))
    emailed = book(add_customer(email=EMAIL, email_consent=True), berlin_time(3))
    texted = book(add_customer(name="Jana Berg", phone="+4915198765432"), berlin_time(3, 11))
    deliver()
    moved = berlin_time(5, 14)

    patch_record(api, emailed, starts_at=moved)
    patch_record(api, texted, starts_at=moved)
    deliver()

    first, changed = mails_to(smtp_sink, EMAIL)
    assert changed["Subject"] == "Ihr Termin bei Cosmetics Paradise wurde geändert"
    assert "wurde angepasst" in plain(changed)
    _, before = card(first)
    _, after = card(changed)
    assert after["UID"] == before["UID"]
    assert (before["SEQUENCE"], after["SEQUENCE"]) == (1, 2)  # the same event, changed
    assert after["DTSTART"].dt == moved.astimezone(UTC)
    assert texts_to(fake_twilio, "+4915198765432")[-1] == (
        "Ihr Termin mit Cosmetics Paradise wurde angepasst. "
        f"Er findet am {moved:%d.%m.%Y} um 14:00 Uhr statt."
    )

    # staff choose not to notify this change; with SMS off, only email would go
    patch_record(api, texted, starts_at=berlin_time(6, 14), notify=False)
    created(api.patch("/business", json={"sms_enabled": False}))
    patch_record(api, texted, starts_at=berlin_time(7, 14))
    deliver()
    assert len(texts_to(fake_twilio, "+4915198765432")) == 2
    changes = [n for n in notifications(api, texted) if n["notice"] == "change"]
    assert [n["status"] for n in changes] == ["sent", "skipped"]
    assert "SMS is switched off for this business" in changes[-1]["reason"]


def test_r1_8_a_cancellation_notifies_by_email_and_sms_unless_staff_say_not_to(
    api, add_customer, book, deliver, fake_twilio, smtp_sink
):
    """R1.8 Cancellations notify by email and SMS if enabled; staff choose per
    cancellation whether to notify."""
    starts_at = berlin_time(3)
    emailed = book(add_customer(email=EMAIL, email_consent=True), starts_at)
    texted = book(add_customer(name="Jana Berg", phone="+4915198765432"), starts_at)
    quiet = book(add_customer(name="Ole Storm", phone="+4915155555555"), starts_at)
    deliver()

    patch_record(api, emailed, status="cancelled")
    patch_record(api, texted, status="cancelled")
    patch_record(api, quiet, status="cancelled", notify=False)
    deliver()

    cancelled = mails_to(smtp_sink, EMAIL)[-1]
    assert cancelled["Subject"] == f"Ihr Termin am {starts_at:%d.%m.%Y} wurde abgesagt"
    part, event = card(cancelled)
    assert part.get_param("method") == "CANCEL" and event["STATUS"] == "CANCELLED"
    assert "wurde abgesagt" in texts_to(fake_twilio, "+4915198765432")[-1]
    assert ["abgesagt" in body for body in texts_to(fake_twilio, "+4915155555555")] == [False]
    assert [n["notice"] for n in notifications(api, quiet)] == ["confirmation", "reminder"]


def test_r1_9_an_online_request_sends_request_received_and_tells_the_business(
    api, add_customer, book, deliver, smtp_sink
):
    """R1.9 An online booking request sends the customer a "request received"
    email (not a confirmation) and the business an email too."""
    created(api.patch("/business", json={"notification_email": "team@salon.example"}))
    customer = add_customer(email=EMAIL, email_consent=True)
    starts_at = berlin_time(3)
    book(customer, starts_at, source="online", status="pending")

    deliver()

    [to_customer] = mails_to(smtp_sink, EMAIL)
    assert to_customer["Subject"] == "Wir haben Ihre Anfrage erhalten"
    assert "Dies ist noch keine Bestätigung" in plain(to_customer)
    assert list(to_customer.iter_attachments()) == []  # no card: nothing is booked yet
    [to_team] = mails_to(smtp_sink, "team@salon.example")
    assert to_team["Subject"] == (
        f"Neue Terminanfrage: Ursula Hoffmann, {starts_at:%d.%m.%Y} 14:00"
    )
    assert "annehmen oder ablehnen" in plain(to_team)


def test_r1_10_accepting_sends_a_card_declining_a_refusal_by_email_and_sms(
    api, add_customer, book, deliver, fake_twilio, smtp_sink
):
    """R1.10 Online requests are accepted or declined; either sends email (+SMS if
    enabled); the acceptance is an appointment card."""
    customer = add_customer(email=EMAIL, email_consent=True, privacy_accepted=True)
    created(api.patch("/business", json={"sms_confirmation_always": True}))
    texted = add_customer(name="Jana Berg", phone="+4915198765432")
    accepted_at, declined_at = berlin_time(3), berlin_time(4, 10)
    accepted = book(customer, accepted_at, source="online", status="pending")
    declined = book(customer, declined_at, source="online", status="pending")
    declined_by_sms = book(texted, declined_at, source="online", status="pending")
    deliver()
    smtp_sink.messages.clear()
    fake_twilio.reset()

    patch_record(api, accepted, status="confirmed")
    patch_record(api, declined, status="rejected")
    patch_record(api, declined_by_sms, status="rejected")
    deliver()

    by_subject = {mail["Subject"]: mail for mail in mails_to(smtp_sink, EMAIL)}
    acceptance = by_subject[f"Ihr Termin bei Salon Sonnenschein am {accepted_at:%d.%m.%Y}"]
    _, event = card(acceptance)
    assert event["DTSTART"].dt == accepted_at.astimezone(UTC)
    refusal = by_subject["Ihre Terminanfrage bei Salon Sonnenschein"]
    assert "nicht annehmen" in plain(refusal)
    assert list(refusal.iter_attachments()) == []
    assert "ist gebucht" in texts_to(fake_twilio, MOBILE)[0]  # the acceptance SMS as well
    [refused] = texts_to(fake_twilio, "+4915198765432")
    assert "Leider können wir Ihre Anfrage" in refused


def test_r1_11_customers_cancel_by_replying_to_the_acceptance_sms_inside_the_window(
    api, add_customer, book, deliver, fake_twilio, text_in
):
    """R1.11 The acceptance SMS lets the customer cancel; the business can turn
    that off and sets the cancellation window."""
    starts_at = berlin_time(3)
    request = book(add_customer(), starts_at, source="onsite", status="pending")
    patch_record(api, request, status="confirmed")
    deliver()
    assert "ist gebucht" in texts_to(fake_twilio)[-1]

    text_in("Ich muss leider absagen")
    deliver()

    record = created(api.get(f"/records/{request['id']}"))
    assert (record["status"], record["cancelled_by"]) == ("cancelled", "customer")
    assert texts_to(fake_twilio)[-1].startswith(
        f"Ihr Termin am {starts_at:%d.%m.%Y} um 14:00 Uhr ist abgesagt."
    )


def test_r1_11_the_business_sets_the_window_or_turns_cancelling_off(
    api, add_customer, book, deliver, fake_twilio, text_in
):
    """R1.11 … the business can turn that off and sets the cancellation window."""
    customer = add_customer()
    created(api.patch("/business", json={"cancellation_window_hours": 96}))
    record = book(customer, berlin_time(3))
    deliver()

    text_in("absagen")
    deliver()
    assert texts_to(fake_twilio)[-1].startswith("Absagen per SMS gehen nur bis 96 Std.")
    assert created(api.get(f"/records/{record['id']}"))["status"] == "confirmed"

    created(api.patch("/business", json={"cancellation_window_hours": None}))
    # Staff took the hand-over and resolved it: the bot reads the next text again.
    [conversation] = created(api.get("/conversations?status=open"))["items"]
    created(api.patch(f"/conversations/{conversation['id']}", json={"status": "resolved"}))
    text_in("absagen")
    deliver()
    assert texts_to(fake_twilio)[-1].startswith("Absagen nehmen wir nicht per SMS an.")
    assert created(api.get(f"/records/{record['id']}"))["status"] == "confirmed"


def test_r1_12_online_bookers_get_reminders_only_after_accepting_the_privacy_policy(
    api, add_customer, book, deliver, fake_twilio
):
    """R1.12 New customers who booked online get no reminders until they have
    accepted the business's privacy policy; existing customers with SMS consent do."""
    starts_at = berlin_time(3)
    newcomer = add_customer(name="Neu Kundin", phone="+4915198765432")
    regular = add_customer()  # on file with SMS consent, known from an earlier visit
    book(regular, berlin_time(-30), source="calendar", status="completed")
    new_booking = book(newcomer, starts_at, source="online")
    regular_booking = book(regular, starts_at, source="online")

    held = notices_by_kind(api, new_booking)[("reminder", "sms")]
    assert held["status"] == "skipped"
    assert held["reason"] == "customer booked online and has not accepted the privacy policy yet"
    deliver(starts_at - timedelta(hours=24))
    assert [body.startswith("Erinnerung") for body in texts_to(fake_twilio, MOBILE)] == [
        False,
        True,
    ]
    assert notices_by_kind(api, regular_booking)[("reminder", "sms")]["status"] == "sent"
    assert not any(b.startswith("Erinnerung") for b in texts_to(fake_twilio, "+4915198765432"))

    # Accepting releases the reminder held back for the booking still ahead.
    new_booking = book(newcomer, berlin_time(4), source="online")
    assert notices_by_kind(api, new_booking)[("reminder", "sms")]["status"] == "skipped"
    accepted = created(api.patch(f"/customers/{newcomer['id']}", json={"privacy_accepted": True}))
    assert accepted["privacy_accepted"] is True
    released = notices_by_kind(api, new_booking)[("reminder", "sms")]
    assert (released["status"], released["reason"]) == ("scheduled", None)
    deliver(berlin_time(4) - timedelta(hours=24))
    assert texts_to(fake_twilio, "+4915198765432")[-1].startswith("Erinnerung")
    assert notices_by_kind(api, new_booking)[("reminder", "sms")]["status"] == "sent"
    # and later online bookings are reminded from the start
    later = berlin_time(5)
    next_booking = book(newcomer, later, source="online")
    assert notices_by_kind(api, next_booking)[("reminder", "sms")]["status"] == "scheduled"
