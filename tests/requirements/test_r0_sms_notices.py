"""R0, SMS notices: R0.1 – R0.8, through the API, the
dispatcher, the real worker and the fake Twilio API."""

from __future__ import annotations

from datetime import timedelta

from tests.support.api import assert_error, created, notices_by_kind, notifications
from tests.support.received import mails_to, texts_to
from tests.support.settings import MOBILE, SMS_FROM
from tests.support.times import berlin_time


def rule_id(api, trigger: str, **query) -> int:
    [rule] = created(api.get("/rules", query_string={"trigger": trigger, **query}))["items"]
    return rule["id"]


def test_r0_1_customer_without_email_gets_sms(
    api, add_customer, book, deliver, fake_twilio, smtp_sink
):
    """R0.1 A customer with no email gets notices by SMS automatically."""
    customer = add_customer()  # a phone number, no email
    starts_at = berlin_time(3)
    record = book(customer, starts_at)

    deliver()

    [sms] = fake_twilio.messages
    assert (sms.to, sms.sender) == (MOBILE, SMS_FROM)
    assert "Salon Sonnenschein" in sms.body
    assert f"{starts_at:%d.%m.%Y} um 14:00 Uhr ist gebucht" in sms.body
    assert smtp_sink.messages == []
    confirmation = notices_by_kind(api, record)[("confirmation", "sms")]
    assert confirmation["status"] == "sent"


def test_r0_2_staff_changes_send_sms_on_create_move_and_cancel(
    api, add_customer, book, deliver, fake_twilio
):
    """R0.2 SMS is sent when staff cancel, create or move an appointment, for a
    configured reminder, and for a staff message to a customer with no email."""
    record = book(add_customer(), berlin_time(3), source="calendar")
    deliver()
    moved = berlin_time(4, 16)
    created(api.patch(f"/records/{record['id']}", json={"starts_at": moved.isoformat()}))
    deliver()
    created(api.patch(f"/records/{record['id']}", json={"status": "cancelled"}))
    deliver()

    booked, changed, cancelled = texts_to(fake_twilio)
    assert "ist gebucht" in booked
    assert changed == (
        "Ihr Termin mit Salon Sonnenschein wurde angepasst. "
        f"Er findet am {moved:%d.%m.%Y} um 16:00 Uhr statt."
    )
    assert f"Ihr Termin am {moved:%d.%m.%Y} um 16:00 Uhr wurde abgesagt" in cancelled


def test_r0_2_a_configured_reminder_goes_by_sms(api, add_customer, book, deliver, fake_twilio):
    """R0.2 SMS is sent … for a configured reminder."""
    starts_at = berlin_time(3, 10, 30)
    record = book(add_customer(), starts_at)
    deliver()  # the confirmation
    reminder_at = starts_at - timedelta(hours=24)

    deliver(reminder_at - timedelta(minutes=1))
    assert len(fake_twilio.messages) == 1  # not yet
    deliver(reminder_at)

    reminder = texts_to(fake_twilio)[-1]
    assert reminder.startswith("Erinnerung: Ihr Termin bei Salon Sonnenschein")
    assert f"{starts_at:%d.%m.%Y} um 10:30 Uhr" in reminder
    assert notices_by_kind(api, record)[("reminder", "sms")]["status"] == "sent"


def test_r0_2_a_staff_message_to_a_customer_without_email_goes_by_sms(
    api, add_customer, work, fake_twilio, smtp_sink
):
    """R0.2 SMS is sent … for a staff message to a customer with no email."""
    phone_only = add_customer()
    emailed = add_customer(
        name="Jana Berg", phone="+4915198765432", email="jana@example.org", email_consent=True
    )

    for customer in (phone_only, emailed):
        body = {"customer_id": customer["id"], "body": "Wir haben morgen geschlossen."}
        created(api.post("/messages", json=body))
    work()

    [sms] = fake_twilio.messages
    assert (sms.to, sms.sender, sms.body) == (MOBILE, SMS_FROM, "Wir haben morgen geschlossen.")
    [mail] = mails_to(smtp_sink, "jana@example.org")  # with an email: no SMS
    assert "Wir haben morgen geschlossen." in mail.get_body(("plain",)).get_content()
    staff = created(api.get("/messages", query_string={"customer_id": phone_only["id"]}))
    assert [(m["author"], m["channel"]) for m in staff["items"]] == [("staff", "sms")]


def test_r0_3_online_booking_is_confirmed_by_email_onsite_phone_only_by_sms(
    api, add_customer, book, deliver, fake_twilio, smtp_sink
):
    """R0.3 Online self-booking requires an email, so it is confirmed by email; an
    on-site booking with only a phone number is confirmed by SMS."""
    online = add_customer(email="ursula@example.org", email_consent=True, privacy_accepted=True)
    walk_in = add_customer(name="Jana Berg", phone="+4915198765432")
    online_starts, onsite_starts = berlin_time(3), berlin_time(4, 11)
    book(online, online_starts, source="online")
    book(walk_in, onsite_starts, source="onsite")

    deliver()

    [mail] = mails_to(smtp_sink, "ursula@example.org")
    assert mail["Subject"] == f"Ihr Termin bei Salon Sonnenschein am {online_starts:%d.%m.%Y}"
    assert texts_to(fake_twilio, MOBILE) == []  # email, not SMS, for the online booking
    [sms] = texts_to(fake_twilio, "+4915198765432")
    assert f"{onsite_starts:%d.%m.%Y} um 11:00 Uhr ist gebucht" in sms


def test_r0_4_sms_confirmation_always_adds_the_sms_to_email_customers(
    api, add_customer, book, deliver, fake_twilio, smtp_sink
):
    """R0.4 Business option "SMS booking confirmation always": every customer gets
    the SMS confirmation, email or not."""
    customer = add_customer(email="ursula@example.org", email_consent=True)
    book(customer, berlin_time(2))
    deliver()
    assert len(mails_to(smtp_sink, "ursula@example.org")) == 1
    assert texts_to(fake_twilio) == []  # without the option: email only

    setting = created(api.patch("/business", json={"sms_confirmation_always": True}))
    assert setting["sms_confirmation_always"] is True
    starts_at = berlin_time(5, 9)
    record = book(customer, starts_at)
    deliver()

    assert len(mails_to(smtp_sink, "ursula@example.org")) == 2
    [sms] = texts_to(fake_twilio)
    assert f"{starts_at:%d.%m.%Y} um 09:00 Uhr ist gebucht" in sms
    # only the booking confirmation: a move still goes by email alone
    created(
        api.patch(f"/records/{record['id']}", json={"starts_at": berlin_time(6, 9).isoformat()})
    )
    deliver()
    assert len(texts_to(fake_twilio)) == 1
    assert mails_to(smtp_sink, "ursula@example.org")[-1]["Subject"].endswith("wurde geändert")


def test_r0_5_only_delivered_sms_are_counted_and_billed(
    api, add_customer, book, deliver, fake_twilio, report_status
):
    """R0.5 Only SMS that were actually delivered are counted and billed."""
    record = book(add_customer(), berlin_time(3))
    deliver()
    created(api.patch(f"/records/{record['id']}", json={"starts_at": berlin_time(4).isoformat()}))
    deliver()
    confirmation, change = fake_twilio.messages

    report_status(confirmation, "sent")
    report_status(confirmation, "delivered")
    report_status(change, "undelivered", ErrorCode="30003")

    usage = created(api.get("/usage"))
    assert usage["sms_sent"] == 2
    assert usage["sms_delivered"] == 1
    # the delivered confirmation's parts: its text and cancel link take two (R1.11)
    assert usage["sms_billable_segments"] == 2
    by_sid = {m["body"]: m for m in created(api.get("/messages"))["items"]}
    assert by_sid[confirmation.body]["billable"] is True
    assert by_sid[confirmation.body]["status"] == "delivered"
    assert by_sid[change.body]["billable"] is False
    assert by_sid[change.body]["status"] == "undelivered"


def test_r0_6_numbers_are_stored_in_international_form_and_bad_ones_caught(
    api, add_customer, book, deliver, fake_twilio
):
    """R0.6 Numbers are stored in international form; bad numbers are caught."""
    customer = add_customer(phone="0151 1234-5678")
    assert customer["phone"] == "+4915112345678"

    refused = api.post("/customers", json={"name": "Tippfehler", "phone": "0151 12"})
    error = assert_error(refused, 422, field="phone")
    assert "0151 12" in error["message"]
    landline = add_customer(name="Festnetz", phone="030 1234567")
    assert landline["phone"] == "+49301234567"
    assert landline["phone_is_mobile"] is False and landline["warnings"]

    book(customer, berlin_time(3))
    skipped = book(landline, berlin_time(3, 15))
    deliver()

    [sms] = fake_twilio.messages
    assert sms.to == "+4915112345678"
    [not_sent] = [n for n in notifications(api, skipped) if n["notice"] == "confirmation"]
    assert not_sent["status"] == "skipped"
    assert "not a mobile number" in not_sent["reason"]


def test_r0_7_a_reminder_whose_moment_passed_before_booking_is_skipped_with_the_reason(
    api, add_customer, book, deliver, fake_twilio
):
    """R0.7 A reminder set N days before is not sent when the appointment was
    created after that moment (and the staff can see why nothing was sent)."""
    reminder = rule_id(api, "reminder")
    changed = created(api.patch(f"/rules/{reminder}", json={"offset_minutes": 2 * 24 * 60}))
    assert changed["offset_minutes"] == 2880
    starts_at = berlin_time(1, 18)  # booked less than two days ahead
    record = book(add_customer(), starts_at)

    deliver(starts_at - timedelta(hours=1))

    assert ["gebucht" in body for body in texts_to(fake_twilio)] == [True]
    skipped = notices_by_kind(api, record)[("reminder", "sms")]
    assert skipped["status"] == "skipped"
    assert skipped["reason"] == (
        "appointment was booked after the reminder time (2 days before the start)"
    )


def test_r0_8_free_length_texts_and_the_segment_count_the_editor_shows(
    api, add_customer, book, deliver, fake_twilio
):
    """R0.8 SMS text length is free; the editor shows how many SMS (segments) a
    text will take."""
    [template] = created(
        api.get(
            "/templates", query_string={"name": "confirmation", "channel": "sms", "locale": "de"}
        )
    )["items"]
    long_text = (
        "{{ business.name }}: Ihr Termin am {{ date }} um {{ time }} Uhr ist gebucht. "
        + "Bitte bringen Sie etwas Zeit mit, wir beraten Sie gern ausführlich. " * 4
        + "Bis bald!"
    )
    created(api.patch(f"/templates/{template['id']}", json={"body": long_text}))

    preview = created(api.post("/templates/preview", json={"template_id": template["id"]}))
    assert preview["encoding"] == "GSM-7"
    assert preview["characters"] > 306 and preview["segments"] == 3
    curly = created(
        api.post("/templates/preview", json={"channel": "sms", "body": "Wir freuen uns’s"})
    )
    assert (curly["segments"], curly["encoding"], curly["non_gsm_characters"]) == (
        1,
        "UCS-2",
        ["’"],
    )
    assert curly["suggestion"] == "Wir freuen uns's"

    book(add_customer(), berlin_time(3))
    deliver()

    [sms] = fake_twilio.messages
    assert sms.body.endswith("wir beraten Sie gern ausführlich. Bis bald!")
    assert len(sms.body) == preview["characters"]  # sent whole, not cut to one SMS
