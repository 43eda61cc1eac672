"""R4, notification rules: R4.1 – R4.10, through the
rules, statuses, templates and records API, the dispatcher, the real worker,
the fake Twilio API and the SMTP sink."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.models import utcnow
from tests.support.api import assert_error, created, notifications
from tests.support.databases import BOTH_DATABASES
from tests.support.received import texts_to
from tests.support.times import berlin_time

EMAIL = "karl@example.org"


def sms_template(api, name: str, body: str) -> str:
    created(
        api.post("/templates", json={"name": name, "channel": "sms", "locale": "de", "body": body})
    )
    return name


def add_rule(api, **fields) -> dict:
    return created(api.post("/rules", json={"notice": "order_status", **fields}))


def define_statuses(api, kind: str, *codes: str) -> None:
    for code in codes:
        created(api.post("/statuses", json={"kind": kind, "code": code, "label": code.title()}))


def patch_record(api, record: dict, **changes) -> dict:
    body = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in changes.items()}
    return created(api.patch(f"/records/{record['id']}", json=body))


def due_at(notice: dict) -> datetime:
    return datetime.fromisoformat(notice["due_at"])


def test_r4_1_work_orders_inquiries_and_bookings_each_notify(
    api, add_customer, book, deliver, fake_twilio
):
    """R4.1 Three record kinds: work orders, inquiries, bookings."""
    sms_template(api, "order_created", "Auftrag angelegt: {{ status }}")
    sms_template(api, "inquiry_created", "Anfrage angelegt: {{ status }}")
    add_rule(api, kind="order", trigger="created", template_name="order_created")
    add_rule(api, kind="inquiry", trigger="created", template_name="inquiry_created")
    customer = add_customer(name="Karl Berger")

    order = book(customer, kind="order", status="received", title="iPhone 12, Display")
    inquiry = book(customer, kind="inquiry", status="new", title="Akkutausch?")
    booking = book(customer, berlin_time(3))
    deliver()

    assert (order["kind"], order["starts_at"]) == ("order", None)
    assert (inquiry["kind"], booking["kind"]) == ("inquiry", "appointment")
    assert texts_to(fake_twilio)[:2] == ["Auftrag angelegt: received", "Anfrage angelegt: new"]
    assert "ist gebucht" in texts_to(fake_twilio)[2]
    for kind, record in (("order", order), ("inquiry", inquiry), ("appointment", booking)):
        [listed] = created(api.get("/records", query_string={"kind": kind}))["items"]
        assert listed["id"] == record["id"]


def test_r4_2_each_trigger_sends_when_its_event_happens(
    api, add_customer, book, deliver, fake_twilio
):
    """R4.2 Triggers: created; status changed (any); status changed to X;
    scheduled time changed (inquiries: created, status changed to X)."""
    define_statuses(api, "order", "received", "in_repair", "ready")
    define_statuses(api, "inquiry", "new", "answered")
    for name, trigger, status in (
        ("on_created", "created", None),
        ("on_any_status", "status_changed", None),
        ("on_ready", "status_changed_to", "ready"),
        ("on_time", "time_changed", None),
    ):
        body = {
            "on_created": "Angelegt",
            "on_any_status": "Status jetzt {{ status }}",
            "on_ready": "Abholbereit",
            "on_time": "Abholung am {{ date }} um {{ time }} Uhr",
        }[name]
        sms_template(api, name, body)
        add_rule(api, kind="order", trigger=trigger, trigger_status=status, template_name=name)
    sms_template(api, "inquiry_answered", "Ihre Anfrage ist beantwortet")
    add_rule(api, kind="inquiry", trigger="created", template_name="on_created")
    add_rule(
        api,
        kind="inquiry",
        trigger="status_changed_to",
        trigger_status="answered",
        template_name="inquiry_answered",
    )
    for trigger in ("status_changed", "time_changed"):
        refused = api.post(
            "/rules", json={"kind": "inquiry", "trigger": trigger, "notice": "order_status"}
        )
        assert_error(refused, 422, field="trigger")
    customer = add_customer(name="Karl Berger")

    order = book(customer, kind="order", status="received")
    deliver()
    patch_record(api, order, status="in_repair")
    deliver()
    patch_record(api, order, status="ready")
    deliver()
    pickup = berlin_time(2, 17)
    patch_record(api, order, starts_at=pickup)
    deliver()
    inquiry = book(customer, kind="inquiry", status="new")
    deliver()
    patch_record(api, inquiry, status="answered")
    deliver()

    assert texts_to(fake_twilio) == [
        "Angelegt",
        "Status jetzt in_repair",
        "Status jetzt ready",
        "Abholbereit",
        f"Abholung am {pickup:%d.%m.%Y} um 17:00 Uhr",
        "Angelegt",
        "Ihre Anfrage ist beantwortet",
    ]


def test_r4_3_a_channel_works_only_with_the_contact_and_the_consent(
    api, add_customer, book, deliver, fake_twilio, smtp_sink
):
    """R4.3 Channel SMS or email; works only when the customer has that contact
    and has consented."""
    created(
        api.post(
            "/templates",
            json={
                "name": "order_mail",
                "channel": "email",
                "locale": "de",
                "subject": "Auftrag angelegt",
                "body": "Wir haben Ihren Auftrag.",
            },
        )
    )
    sms_template(api, "order_sms", "Wir haben Ihren Auftrag.")
    add_rule(api, kind="order", trigger="created", channel="sms", template_name="order_sms")
    add_rule(api, kind="order", trigger="created", channel="email", template_name="order_mail")
    phone_only = add_customer(name="Karl Berger")
    email_only_consent = add_customer(
        name="Jana Berg",
        phone="+4915198765432",
        sms_consent=False,
        email=EMAIL,
        email_consent=True,
    )

    by_phone = book(phone_only, kind="order", status="received")
    by_email = book(email_only_consent, kind="order", status="received")
    deliver()

    assert texts_to(fake_twilio) == ["Wir haben Ihren Auftrag."]
    assert texts_to(fake_twilio, "+4915198765432") == []
    [mail] = smtp_sink.messages
    assert (mail["To"], mail["Subject"]) == (EMAIL, "Auftrag angelegt")
    outcome = {
        (n["record_id"], n["channel"]): (n["status"], n["reason"])
        for record in (by_phone, by_email)
        for n in notifications(api, record)
    }
    assert outcome == {
        (by_phone["id"], "sms"): ("sent", None),
        (by_phone["id"], "email"): ("skipped", "customer has no email address"),
        (by_email["id"], "sms"): ("skipped", "customer has no SMS consent"),
        (by_email["id"], "email"): ("delivered", None),  # the mail server took it
    }


def test_r4_4_the_business_chooses_its_email_sender(api, add_customer, book, deliver, smtp_sink):
    """R4.4 The business chooses the email sender address."""
    refused = api.patch("/business", json={"email_from": "Werkstatt ohne Adresse"})
    assert_error(refused, 422, field="email_from")
    sender = "Handy-Doktor <service@handy-doktor.example>"
    assert created(api.patch("/business", json={"email_from": sender}))["email_from"] == sender
    book(add_customer(phone=None, email=EMAIL, email_consent=True), berlin_time(3))

    deliver()

    [mail] = smtp_sink.messages
    assert mail["From"] == sender
    assert mail["To"] == EMAIL


def test_r4_5_a_delayed_notice_waits_for_its_delay(api, add_customer, book, deliver, fake_twilio):
    """R4.5 Delayed sending (e.g. ask for feedback 1 h after an order is done)."""
    sms_template(api, "feedback", "Wie zufrieden sind Sie mit der Reparatur?")
    add_rule(
        api,
        kind="order",
        trigger="status_changed_to",
        trigger_status="done",
        delay_minutes=60,
        template_name="feedback",
    )
    order = book(add_customer(), kind="order", status="in_repair")
    finished = utcnow()
    patch_record(api, order, status="done")
    [planned] = notifications(api, order)
    assert planned["status"] == "scheduled"
    assert timedelta(minutes=60) <= due_at(planned) - finished < timedelta(minutes=61)

    deliver(due_at(planned) - timedelta(minutes=1))
    assert fake_twilio.messages == []
    deliver(due_at(planned))

    assert texts_to(fake_twilio) == ["Wie zufrieden sind Sie mit der Reparatur?"]


def test_r4_5_a_feedback_request_after_a_completed_visit_is_sent(
    api, add_customer, book, deliver, fake_twilio
):
    """R4.5 Delayed sending, for an appointment: a rule on "status changed to
    completed" speaks about the visit that has just ended, so the closed
    appointment does not withhold it; the other notices stay withheld."""
    sms_template(api, "feedback", "Wie war Ihr Besuch? Antworten Sie mit 1 bis 5.")
    add_rule(
        api,
        kind="appointment",
        trigger="status_changed_to",
        trigger_status="completed",
        delay_minutes=60,
        template_name="feedback",
    )
    visit = book(add_customer(), berlin_time(1), status="confirmed")
    deliver()  # the booking confirmation
    fake_twilio.reset()
    patch_record(api, visit, status="completed")
    [feedback] = [n for n in notifications(api, visit) if n["notice"] == "order_status"]

    deliver(due_at(feedback))

    assert texts_to(fake_twilio) == ["Wie war Ihr Besuch? Antworten Sie mit 1 bis 5."]
    reminder = next(n for n in notifications(api, visit) if n["notice"] == "reminder")
    assert reminder["status"] in ("cancelled", "skipped")


def test_r4_6_send_only_during_the_location_s_working_hours(
    api, add_customer, book, deliver, fake_twilio
):
    """R4.6 "Send only during working hours" of the location."""
    open_day = berlin_time(2, 9, 30)  # the shop opens only on that weekday
    shop = created(
        api.post(
            "/locations",
            json={
                "name": "Werkstatt Mitte",
                "working_hours": [
                    {"weekday": open_day.weekday(), "opens": "09:30", "closes": "18:00"}
                ],
            },
        )
    )
    sms_template(api, "ready", "Ihr Gerät ist abholbereit.")
    rule = add_rule(
        api,
        kind="order",
        trigger="status_changed_to",
        trigger_status="ready",
        working_hours_only=True,
        template_name="ready",
    )
    assert rule["working_hours_only"] is True
    order = book(add_customer(), kind="order", status="in_repair", location_id=shop["id"])

    patch_record(api, order, status="ready")
    [held] = notifications(api, order)
    assert due_at(held) == open_day

    deliver()
    assert fake_twilio.messages == []
    deliver(open_day)
    assert texts_to(fake_twilio) == ["Ihr Gerät ist abholbereit."]


def test_r4_7_business_wide_templates_chosen_or_created_per_rule(
    api, add_customer, book, deliver, fake_twilio
):
    """R4.7 Templates are business-wide, chosen or created per rule."""
    shared = sms_template(api, "danke", "Danke, {{ customer.first_name }}!")
    add_rule(
        api, kind="order", trigger="status_changed_to", trigger_status="done", template_name=shared
    )
    add_rule(
        api,
        kind="inquiry",
        trigger="status_changed_to",
        trigger_status="answered",
        template_name=shared,
    )
    add_rule(api, kind="order", trigger="created", template_name="confirmation")  # a default text
    refused = api.post(
        "/rules",
        json={
            "kind": "order",
            "trigger": "created",
            "notice": "order_status",
            "template_name": "gibt_es_nicht",
        },
    )
    assert_error(refused, 422, field="template_name")
    customer = add_customer(name="Karl Berger")
    order = book(customer, kind="order", status="in_repair", starts_at=berlin_time(1, 12))
    inquiry = book(customer, kind="inquiry", status="new")
    deliver()
    assert "Salon Sonnenschein" in texts_to(fake_twilio)[0]  # the default confirmation text
    fake_twilio.reset()

    patch_record(api, order, status="done")
    patch_record(api, inquiry, status="answered")
    deliver()

    assert texts_to(fake_twilio) == ["Danke, Karl!", "Danke, Karl!"]


def test_r4_8_a_rule_applies_to_all_locations_or_to_chosen_ones(
    api, add_customer, book, deliver, fake_twilio
):
    """R4.8 A rule applies to all locations or to chosen ones."""
    north = created(api.post("/locations", json={"name": "Filiale Nord"}))
    south = created(api.post("/locations", json={"name": "Filiale Süd"}))
    sms_template(api, "nord", "Willkommen in der Filiale Nord")
    sms_template(api, "alle", "Auftrag angelegt")
    only_north = add_rule(
        api,
        kind="order",
        trigger="created",
        template_name="nord",
        all_locations=False,
        location_ids=[north["id"]],
    )
    assert (only_north["all_locations"], only_north["location_ids"]) == (False, [north["id"]])
    add_rule(api, kind="order", trigger="created", template_name="alle")
    customer = add_customer()

    book(customer, kind="order", status="received", location_id=north["id"])
    deliver()
    assert sorted(texts_to(fake_twilio)) == ["Auftrag angelegt", "Willkommen in der Filiale Nord"]
    fake_twilio.reset()
    book(customer, kind="order", status="received", location_id=south["id"])
    deliver()
    assert texts_to(fake_twilio) == ["Auftrag angelegt"]


def test_r4_9_reminders_before_the_scheduled_time_only_once_one_is_set(
    api, add_customer, book, deliver, fake_twilio
):
    """R4.9 Reminders X minutes/hours/days before the scheduled time, only when a
    scheduled time is set."""
    sms_template(api, "pickup_reminder", "Abholung heute um {{ time }} Uhr")
    reminder = add_rule(
        api, kind="order", trigger="reminder", offset_minutes=90, template_name="pickup_reminder"
    )
    assert reminder["offset_minutes"] == 90
    refused = api.post(
        "/rules", json={"kind": "order", "trigger": "reminder", "notice": "order_status"}
    )
    assert_error(refused, 422, field="offset_minutes")
    refused = api.post(
        "/rules",
        json={
            "kind": "inquiry",
            "trigger": "reminder",
            "notice": "order_status",
            "offset_minutes": 60,
        },
    )
    assert_error(refused, 422, field="trigger")  # inquiries have no scheduled time
    order = book(add_customer(), kind="order", status="in_repair")
    assert notifications(api, order) == []  # no time, no reminder

    pickup = berlin_time(2, 16, 30)
    patch_record(api, order, starts_at=pickup)
    [planned] = notifications(api, order)
    assert (planned["notice"], due_at(planned)) == ("order_status", pickup - timedelta(minutes=90))
    deliver(pickup - timedelta(minutes=91))
    assert fake_twilio.messages == []
    deliver(pickup - timedelta(minutes=90))

    assert texts_to(fake_twilio) == ["Abholung heute um 16:30 Uhr"]


def test_r4_10_a_rule_is_edited_and_deleted_one_by_one(
    api, add_customer, book, deliver, fake_twilio
):
    """R4.10 Rules can be edited and deleted; bulk actions: delete, change
    template, change delivery method."""
    sms_template(api, "first", "Erste Fassung")
    sms_template(api, "second", "Zweite Fassung")
    created_rule = add_rule(api, kind="order", trigger="created", template_name="first")
    reminder = add_rule(
        api, kind="order", trigger="reminder", offset_minutes=60, template_name="first"
    )
    customer = add_customer()
    book(customer, kind="order", status="received")
    deliver()

    edited = created(api.patch(f"/rules/{created_rule['id']}", json={"template_name": "second"}))
    assert edited["template_name"] == "second"
    starts_at = berlin_time(2, 12)
    order = book(customer, kind="order", status="received", starts_at=starts_at)
    deliver()
    assert texts_to(fake_twilio) == ["Erste Fassung", "Zweite Fassung"]

    assert api.delete(f"/rules/{reminder['id']}").status_code == 204
    assert api.get(f"/rules/{reminder['id']}").status_code == 404
    withdrawn = [n for n in notifications(api, order) if n["status"] != "sent"]
    assert [(n["status"], n["reason"]) for n in withdrawn] == [("cancelled", "rule deleted")]
    deliver(starts_at - timedelta(minutes=60))
    assert len(fake_twilio.messages) == 2  # the deleted rule's reminder never went


@BOTH_DATABASES  # the outbox: planned notices withdrawn in bulk
def test_r4_10_bulk_delete_change_template_and_change_delivery_method(
    api, add_customer, book, deliver, fake_twilio, smtp_sink
):
    """R4.10 Rules can be edited and deleted; bulk actions: delete, change
    template, change delivery method."""
    sms_template(api, "old", "Alter Text")
    sms_template(api, "new", "Neuer Text")
    on_created = add_rule(api, kind="order", trigger="created", template_name="old")
    on_ready = add_rule(
        api, kind="order", trigger="status_changed_to", trigger_status="ready", template_name="old"
    )
    reminders = [
        add_rule(api, kind="order", trigger="reminder", offset_minutes=minutes, template_name="old")
        for minutes in (60, 120)
    ]
    pair = [on_created["id"], on_ready["id"]]
    customer = add_customer(email=EMAIL, email_consent=True)
    starts_at = berlin_time(2, 12)
    order = book(customer, kind="order", status="received", starts_at=starts_at)  # auto: email

    deleted = created(
        api.post("/rules/bulk", json={"action": "delete", "ids": [r["id"] for r in reminders]})
    )
    assert deleted["deleted"] == [r["id"] for r in reminders]
    assert deleted["cancelled_notifications"] == 2
    templated = created(
        api.post(
            "/rules/bulk", json={"action": "set_template", "ids": pair, "template_name": "new"}
        )
    )
    assert [r["template_name"] for r in templated["items"]] == ["new", "new"]
    rerouted = created(
        api.post("/rules/bulk", json={"action": "set_channel", "ids": pair, "channel": "sms"})
    )
    assert [r["channel"] for r in rerouted["items"]] == ["sms", "sms"]
    bad = api.post(
        "/rules/bulk", json={"action": "set_channel", "ids": [*pair, 999_999], "channel": "email"}
    )
    assert bad.status_code in (404, 422)
    assert {
        r["channel"] for r in created(api.get("/rules", query_string={"kind": "order"}))["items"]
    } == {"sms"}

    patch_record(api, order, status="ready")
    later = book(customer, kind="order", status="received")
    deliver()
    deliver(starts_at - timedelta(minutes=30))

    assert texts_to(fake_twilio) == ["Neuer Text", "Neuer Text"]  # set_template, set_channel
    # planned before the change, the creation notice still goes by email ("old" has no
    # email text, so the notice's default one)
    [first] = smtp_sink.messages
    assert first["To"] == EMAIL and first["Subject"].startswith("Ihr Auftrag bei Salon")
    cancelled = [n for n in notifications(api, order) if n["status"] == "cancelled"]
    assert {n["reason"] for n in cancelled} == {"rule deleted"} and len(cancelled) == 2
    assert [n["channel"] for n in notifications(api, later)] == ["sms"]
