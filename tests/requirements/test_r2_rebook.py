"""R2, the rebook SMS (R2.1, R2.4–R2.6), end to end: rules, services, customers
and appointments through /api/v1, the rebook scan and the dispatcher as of explicit
instants (the CLI's pass, or the rq jobs on a real worker), the text at the fake
Twilio, and the outbox row's status and reason through the API.

Every test runs on a salon whose default notices are switched off, so the only
text a customer can get is the rebook nudge.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from rq.cron import CronScheduler

from bot.services.businesses import create_api_key
from outbound.jobs import run_dispatch_pass
from outbound.queueing import DISPATCH_QUEUE, SEND_QUEUE, get_queue, redis_connection
from tests.support.api import ApiClient, assert_error
from tests.support.databases import BOTH_DATABASES

BERLIN = ZoneInfo("Europe/Berlin")
BOOKING_URL = "https://salon-sonnenschein.example/buchen"
PHONE = "+4915112345678"


# --- helpers -----------------------------------------------------------------


@pytest.fixture
def salon(client, db, business):
    """The German salon over the API, with its default notices off and a booking link."""
    api = ApiClient(client, create_api_key(db.session, business), business)
    db.session.commit()
    for rule in ok(api.get("/rules"))["items"]:
        ok(api.patch(f"/rules/{rule['id']}", json={"enabled": False}))
    ok(api.patch("/business", json={"booking_url": BOOKING_URL}))
    return api


@pytest.fixture
def day0(now) -> date:
    """A day some weeks ahead, so every instant in a test is one the test chooses."""
    return (now.astimezone(BERLIN) + timedelta(days=30)).date()


def ok(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN)


def rebook_rule(api, mode="after_visit", days=2, send_time="09:30", **more):
    data = {"kind": "appointment", "trigger": "rebook", "notice": "rebook", "channel": "sms"}
    data.update(rebook_mode=mode, rebook_days=days, send_time=send_time, **more)
    return ok(api.post("/rules", json=data), 201)


def customer(api, name="Ursula Hoffmann", phone=PHONE):
    return ok(api.post("/customers", json={"name": name, "phone": phone, "sms_consent": True}), 201)


def staff(api, name="Jane"):
    return ok(api.post("/staff", json={"name": name}), 201)


def service(api, name="Damenhaarschnitt", category="Haare", interval=None):
    data = {"name": name, "category": category, "rebook_interval_days": interval}
    return ok(api.post("/services", json=data), 201)


def appointment(api, customer_id, starts_at, status="completed", **links):
    data = {"customer_id": customer_id, "starts_at": starts_at.isoformat(), "status": status}
    return ok(api.post("/records", json={**data, **links}), 201)


def nudges(api, customer_id):
    items = ok(api.get(f"/notifications?customer_id={customer_id}"))["items"]
    return [item for item in items if item["notice"] == "rebook"]


def due(item) -> datetime:
    return datetime.fromisoformat(item["due_at"])


def texts(fake_twilio, to=PHONE):
    return [message.body for message in fake_twilio.messages if message.to == to]


# --- R2.1 --------------------------------------------------------------------


def test_r2_1_a_customer_with_no_future_booking_gets_a_rebook_sms_after_the_visit(
    salon, day0, fake_twilio
):
    rebook_rule(salon, days=2, send_time="09:30")
    ursula = customer(salon)
    jane = staff(salon)
    visit = appointment(salon, ursula["id"], local(day0, 14), staff_id=jane["id"])

    run_dispatch_pass(local(day0, 18), send_inline=True)  # the evening after the visit
    assert texts(fake_twilio) == []
    [planned] = nudges(salon, ursula["id"])
    assert (planned["status"], planned["record_id"], planned["channel"]) == (
        "scheduled",
        visit["id"],
        "sms",
    )

    run_dispatch_pass(local(day0 + timedelta(days=2), 9, 30), send_inline=True)

    assert texts(fake_twilio) == [
        "Hallo Ursula, Zeit für Ihren nächsten Termin bei Salon Sonnenschein? "
        f"Jane freut sich auf Sie. Jetzt buchen: {BOOKING_URL}"
    ]
    [sent] = nudges(salon, ursula["id"])
    assert (sent["status"], sent["reason"]) == ("sent", None)


def test_r2_1_the_flask_dispatch_command_covers_rebook(salon, day0, runner, fake_twilio):
    rebook_rule(salon, days=1, send_time="10:00")
    ursula = customer(salon)
    appointment(salon, ursula["id"], local(day0, 11))

    for moment in (local(day0, 12), local(day0 + timedelta(days=1), 10)):
        result = runner.invoke(args=["dispatch", "--now", moment.isoformat()])
        assert result.exit_code == 0, result.output

    [text] = texts(fake_twilio)
    assert text.startswith("Hallo Ursula, Zeit für Ihren nächsten Termin")


def test_r2_1_a_no_show_is_no_visit_and_withdraws_the_nudge_planned_for_it(
    salon, day0, fake_twilio
):
    rebook_rule(salon, days=2)
    ursula = customer(salon)
    visit = appointment(salon, ursula["id"], local(day0, 14), status="confirmed")
    run_dispatch_pass(local(day0, 15), send_inline=True)  # begun, so it counts for now
    assert [n["status"] for n in nudges(salon, ursula["id"])] == ["scheduled"]

    ok(salon.patch(f"/records/{visit['id']}", json={"status": "no_show"}))
    run_dispatch_pass(local(day0 + timedelta(days=2), 9, 30), send_inline=True)

    assert texts(fake_twilio) == []
    [withdrawn] = nudges(salon, ursula["id"])
    assert (withdrawn["status"], withdrawn["reason"]) == (
        "cancelled",
        f"the visit on {day0} is now no_show",
    )


# --- R2.4 --------------------------------------------------------------------


def test_r2_4_the_nudge_goes_at_the_rule_s_time_of_day_in_the_business_zone(
    salon, day0, fake_twilio
):
    rebook_rule(salon, days=1, send_time="08:15")
    ursula = customer(salon)
    appointment(salon, ursula["id"], local(day0, 15))
    run_dispatch_pass(local(day0, 16), send_inline=True)

    [planned] = nudges(salon, ursula["id"])
    moment = local(day0 + timedelta(days=1), 8, 15)
    assert due(planned) == moment.astimezone(UTC)
    assert due(planned).astimezone(BERLIN).time() == time(8, 15)
    assert due(planned).utcoffset() == timedelta(0)  # stored in UTC, 08:15 only in Berlin

    run_dispatch_pass(moment - timedelta(minutes=1), send_inline=True)
    assert texts(fake_twilio) == []
    run_dispatch_pass(moment, send_inline=True)
    assert len(texts(fake_twilio)) == 1


@pytest.mark.parametrize("days", [1, 2, 3])
def test_r2_4_one_two_or_three_days_after_the_last_visit(salon, day0, fake_twilio, days):
    rebook_rule(salon, days=days, send_time="10:00")
    ursula = customer(salon)
    appointment(salon, ursula["id"], local(day0, 14))
    run_dispatch_pass(local(day0, 17), send_inline=True)

    the_day = day0 + timedelta(days=days)
    run_dispatch_pass(local(the_day, 9, 59), send_inline=True)
    assert texts(fake_twilio) == []
    run_dispatch_pass(local(the_day, 10), send_inline=True)
    assert len(texts(fake_twilio)) == 1


def test_r2_4_a_rule_switched_off_plans_nothing_and_switching_off_withdraws(
    salon, day0, fake_twilio
):
    rule = rebook_rule(salon, days=1, enabled=False)
    ursula = customer(salon)
    appointment(salon, ursula["id"], local(day0, 14))
    run_dispatch_pass(local(day0, 17), send_inline=True)
    assert nudges(salon, ursula["id"]) == []

    ok(salon.patch(f"/rules/{rule['id']}", json={"enabled": True}))
    run_dispatch_pass(local(day0, 17, 10), send_inline=True)
    assert [n["status"] for n in nudges(salon, ursula["id"])] == ["scheduled"]

    ok(salon.patch(f"/rules/{rule['id']}", json={"enabled": False}))
    run_dispatch_pass(local(day0 + timedelta(days=1), 9, 30), send_inline=True)

    assert texts(fake_twilio) == []
    [withdrawn] = nudges(salon, ursula["id"])
    assert (withdrawn["status"], withdrawn["reason"]) == (
        "cancelled",
        "rebook nudges are switched off",
    )


def test_r2_4_a_rule_created_today_does_not_text_customers_whose_visit_was_months_ago(
    salon, day0, fake_twilio
):
    recent, old = (
        customer(salon, "Recent Visitor"),
        customer(salon, "Old Visitor", "+4915199999999"),
    )
    appointment(salon, recent["id"], local(day0, 10))
    appointment(salon, old["id"], local(day0 - timedelta(days=120), 10))
    rebook_rule(salon, days=1, send_time="10:00")

    run_dispatch_pass(local(day0 + timedelta(days=1), 10), send_inline=True)

    assert len(texts(fake_twilio)) == 1
    assert texts(fake_twilio, "+4915199999999") == []
    assert nudges(salon, old["id"]) == []


# --- R2.5 --------------------------------------------------------------------


def test_r2_5_a_customer_with_a_future_appointment_is_never_nudged(salon, day0, fake_twilio):
    rebook_rule(salon, days=1)
    ursula = customer(salon)
    appointment(salon, ursula["id"], local(day0, 14))
    appointment(salon, ursula["id"], local(day0 + timedelta(days=28), 14), status="confirmed")

    for moment in (local(day0, 17), local(day0 + timedelta(days=1), 9, 30)):
        run_dispatch_pass(moment, send_inline=True)

    assert texts(fake_twilio) == []
    assert nudges(salon, ursula["id"]) == []


def test_r2_5_a_customer_who_books_before_the_nudge_goes_out_gets_nothing(salon, day0, fake_twilio):
    rebook_rule(salon, days=3)
    ursula = customer(salon)
    appointment(salon, ursula["id"], local(day0, 14))
    run_dispatch_pass(local(day0, 17), send_inline=True)
    assert [n["status"] for n in nudges(salon, ursula["id"])] == ["scheduled"]

    next_visit = day0 + timedelta(days=35)
    appointment(salon, ursula["id"], local(next_visit, 9), status="confirmed")
    run_dispatch_pass(local(day0 + timedelta(days=3), 9, 30), send_inline=True)

    assert texts(fake_twilio) == []
    [withdrawn] = nudges(salon, ursula["id"])
    assert withdrawn["status"] == "cancelled"
    assert withdrawn["reason"] == f"customer already has an appointment on {next_visit}"


def test_r2_5_checked_again_at_send_time_when_the_booking_comes_after_the_claim(
    salon, day0, fake_twilio, work
):
    rebook_rule(salon, days=1)
    ursula = customer(salon)
    appointment(salon, ursula["id"], local(day0, 14))
    run_dispatch_pass(local(day0, 17), send_inline=True)
    # The dispatcher claims the nudge and queues its send job …
    assert run_dispatch_pass(local(day0 + timedelta(days=1), 9, 30), send_inline=False) == {
        "claimed": 1,
        "enqueued": 1,
    }
    # … and before a worker takes it, the customer books online.
    next_visit = day0 + timedelta(days=20)
    appointment(salon, ursula["id"], local(next_visit, 16), status="pending", source="online")
    work()

    assert texts(fake_twilio) == []
    [skipped] = nudges(salon, ursula["id"])
    assert (skipped["status"], skipped["reason"]) == (
        "skipped",
        f"customer already has an appointment on {next_visit}",
    )


@BOTH_DATABASES
def test_r2_5_a_booking_cancelled_again_brings_the_nudge_back(salon, day0, fake_twilio):
    rebook_rule(salon, days=3)
    ursula = customer(salon)
    appointment(salon, ursula["id"], local(day0, 14))
    run_dispatch_pass(local(day0, 17), send_inline=True)
    booking = appointment(salon, ursula["id"], local(day0 + timedelta(days=30), 9), "confirmed")
    run_dispatch_pass(local(day0, 18), send_inline=True)
    assert [n["status"] for n in nudges(salon, ursula["id"])] == ["cancelled"]

    ok(salon.patch(f"/records/{booking['id']}", json={"status": "cancelled"}))
    run_dispatch_pass(local(day0 + timedelta(days=3), 9, 30), send_inline=True)

    assert len(texts(fake_twilio)) == 1
    assert [n["status"] for n in nudges(salon, ursula["id"])] == ["sent"]


def test_r2_5_a_newer_visit_replaces_the_nudge_for_the_older_one(salon, day0, fake_twilio):
    rebook_rule(salon, days=3)
    ursula = customer(salon)
    appointment(salon, ursula["id"], local(day0, 14))
    run_dispatch_pass(local(day0, 17), send_inline=True)
    second = appointment(salon, ursula["id"], local(day0 + timedelta(days=2), 11))
    run_dispatch_pass(local(day0 + timedelta(days=2), 12), send_inline=True)

    by_status = {n["status"]: n for n in nudges(salon, ursula["id"])}
    assert set(by_status) == {"cancelled", "scheduled"}
    assert by_status["cancelled"]["reason"] == (
        f"customer visited again on {day0 + timedelta(days=2)}"
    )
    assert by_status["scheduled"]["record_id"] == second["id"]
    assert due(by_status["scheduled"]) == local(day0 + timedelta(days=5), 9, 30)

    run_dispatch_pass(local(day0 + timedelta(days=5), 9, 30), send_inline=True)
    assert len(texts(fake_twilio)) == 1


# --- R2.6 --------------------------------------------------------------------


def test_r2_6_predicted_with_fewer_than_3_visits_uses_the_service_interval(
    salon, day0, fake_twilio
):
    rebook_rule(salon, mode="predicted", days=5, send_time="10:00")
    haircut = service(salon, interval=42)
    ursula = customer(salon)
    appointment(salon, ursula["id"], local(day0, 14), service_id=haircut["id"])
    run_dispatch_pass(local(day0, 17), send_inline=True)

    # at risk 42 days after the visit; the nudge five days before that
    moment = local(day0 + timedelta(days=37), 10)
    [planned] = nudges(salon, ursula["id"])
    assert due(planned) == moment
    run_dispatch_pass(moment - timedelta(minutes=1), send_inline=True)
    assert texts(fake_twilio) == []
    run_dispatch_pass(moment, send_inline=True)
    assert len(texts(fake_twilio)) == 1


def test_r2_6_a_service_without_an_interval_takes_its_category_s(salon, day0):
    rebook_rule(salon, mode="predicted", days=5, send_time="10:00")
    service(salon, "Herrenhaarschnitt", "Haare", interval=28)
    colour = service(salon, "Strähnen", "Haare", interval=None)
    ursula = customer(salon)
    appointment(salon, ursula["id"], local(day0, 14), service_id=colour["id"])

    run_dispatch_pass(local(day0, 17), send_inline=True)

    [planned] = nudges(salon, ursula["id"])
    assert due(planned) == local(day0 + timedelta(days=23), 10)


def test_r2_6_predicted_with_3_or_more_visits_follows_the_customer_s_own_pattern(
    salon, day0, fake_twilio
):
    rebook_rule(salon, mode="predicted", days=5, send_time="10:00")
    haircut = service(salon, interval=56)  # the salon's eight weeks …
    ursula = customer(salon)
    visits = [day0 - timedelta(days=42), day0 - timedelta(days=21), day0]  # … she comes every 3
    for day in visits:
        appointment(salon, ursula["id"], local(day, 14), service_id=haircut["id"])

    run_dispatch_pass(local(day0, 17), send_inline=True)

    moment = local(day0 + timedelta(days=21 - 5), 10)
    [planned] = nudges(salon, ursula["id"])
    assert due(planned) == moment
    run_dispatch_pass(moment, send_inline=True)
    assert len(texts(fake_twilio)) == 1


# --- idempotency -------------------------------------------------------------


@BOTH_DATABASES
def test_scanning_twice_plans_once(salon, day0, fake_twilio):
    rebook_rule(salon, days=2)
    ursula = customer(salon)
    appointment(salon, ursula["id"], local(day0, 14))

    for minutes in (0, 10, 20):
        run_dispatch_pass(local(day0, 17, minutes), send_inline=True)
    assert len(nudges(salon, ursula["id"])) == 1

    for _ in range(2):
        run_dispatch_pass(local(day0 + timedelta(days=2), 9, 30), send_inline=True)
    assert len(texts(fake_twilio)) == 1


@BOTH_DATABASES
def test_a_worker_running_the_rebook_and_send_jobs_twice_plans_once_and_sends_once(
    salon, day0, fake_twilio, work, redis_server
):
    rebook_rule(salon, days=1)
    ursula = customer(salon)
    appointment(salon, ursula["id"], local(day0, 14))
    scan_at = local(day0, 17).isoformat()
    dispatch = get_queue(DISPATCH_QUEUE, redis_server.url)
    for _ in range(2):
        dispatch.enqueue("outbound.jobs.plan_rebook", scan_at)
    work()
    [planned] = nudges(salon, ursula["id"])

    run_dispatch_pass(local(day0 + timedelta(days=1), 9, 30), send_inline=False)
    get_queue(SEND_QUEUE, redis_server.url).enqueue(
        "outbound.jobs.send_notification", planned["id"]
    )
    work()

    assert len(texts(fake_twilio)) == 1
    assert [n["status"] for n in nudges(salon, ursula["id"])] == ["sent"]


def test_r2_4_a_rebook_rule_sends_at_ten_unless_told_and_only_to_the_customer(salon):
    data = {"kind": "appointment", "trigger": "rebook", "notice": "rebook"}
    rule = ok(
        salon.post("/rules", json={**data, "rebook_mode": "after_visit", "rebook_days": 2}), 201
    )
    assert (rule["send_time"], rule["audience"], rule["enabled"]) == ("10:00", "customer", True)

    refused = salon.post(
        "/rules",
        json={
            **data,
            "rebook_mode": "predicted",
            "rebook_days": 5,
            "audience": "business",
            "channel": "email",
        },
    )
    assert_error(refused, 422, field="audience")


def test_the_clock_runs_the_rebook_scan_every_ten_minutes(redis_server):
    scheduler = CronScheduler(connection=redis_connection(redis_server.url))
    scheduler.load_config_from_file("bot.clock")

    jobs = {job.func_name: job for job in scheduler.get_jobs()}
    scan = jobs["outbound.jobs.plan_rebook"]
    assert (scan.queue_name, scan.interval) == (DISPATCH_QUEUE, 600)
    assert "outbound.jobs.dispatch_tick" in jobs


# --- one nudge per visit, decided again until it is due ----------------------


def test_a_change_of_contact_details_moves_the_nudge_to_the_new_channel_and_sends_one(
    salon, day0, fake_twilio, smtp_sink
):
    rebook_rule(salon, days=2, channel="auto")
    ursula = customer(salon)
    appointment(salon, ursula["id"], local(day0, 14))
    run_dispatch_pass(local(day0, 18), send_inline=True)
    assert [n["channel"] for n in nudges(salon, ursula["id"])] == ["sms"]

    # she leaves her email address and agrees to emails: `auto` now means email
    changes = {"email": "ursula@example.de", "email_consent": True}
    ok(salon.patch(f"/customers/{ursula['id']}", json=changes))
    run_dispatch_pass(local(day0, 19), send_inline=True)

    [planned] = nudges(salon, ursula["id"])
    assert (planned["channel"], planned["status"]) == ("email", "scheduled")
    assert due(planned) == local(day0 + timedelta(days=2), 9, 30)

    run_dispatch_pass(local(day0 + timedelta(days=2), 9, 30), send_inline=True)
    assert texts(fake_twilio) == []
    [mail] = smtp_sink.messages
    assert mail["To"] == "ursula@example.de"
    assert [(n["channel"], n["status"]) for n in nudges(salon, ursula["id"])] == [
        ("email", "delivered")
    ]


def test_a_customer_who_consents_before_the_nudge_is_due_gets_it(salon, day0, fake_twilio):
    rebook_rule(salon, days=2)
    ursula = ok(salon.post("/customers", json={"name": "Ursula Hoffmann", "phone": PHONE}), 201)
    appointment(salon, ursula["id"], local(day0, 14))
    run_dispatch_pass(local(day0, 18), send_inline=True)
    [skipped] = nudges(salon, ursula["id"])
    assert (skipped["status"], skipped["reason"]) == ("skipped", "customer has no SMS consent")

    ok(salon.patch(f"/customers/{ursula['id']}", json={"sms_consent": True}))
    run_dispatch_pass(local(day0 + timedelta(days=1), 12), send_inline=True)
    [planned] = nudges(salon, ursula["id"])
    assert (planned["status"], planned["reason"]) == ("scheduled", None)

    run_dispatch_pass(local(day0 + timedelta(days=2), 9, 30), send_inline=True)
    assert len(texts(fake_twilio)) == 1
    assert [n["status"] for n in nudges(salon, ursula["id"])] == ["sent"]


def test_consent_withdrawn_before_the_nudge_is_due_shows_as_skipped_at_once(salon, day0):
    rebook_rule(salon, days=2)
    ursula = customer(salon)
    appointment(salon, ursula["id"], local(day0, 14))
    run_dispatch_pass(local(day0, 18), send_inline=True)

    ok(salon.patch(f"/customers/{ursula['id']}", json={"sms_consent": False}))
    run_dispatch_pass(local(day0 + timedelta(days=1), 12), send_inline=True)

    [skipped] = nudges(salon, ursula["id"])
    assert (skipped["status"], skipped["reason"]) == ("skipped", "customer has no SMS consent")


def test_a_skip_is_final_once_the_nudge_was_due(salon, day0, fake_twilio):
    rebook_rule(salon, days=2)
    ursula = ok(salon.post("/customers", json={"name": "Ursula Hoffmann", "phone": PHONE}), 201)
    appointment(salon, ursula["id"], local(day0, 14))
    run_dispatch_pass(local(day0, 18), send_inline=True)
    run_dispatch_pass(local(day0 + timedelta(days=2), 9, 30), send_inline=True)

    # consent comes after the moment: the nudge is not sent late the next morning
    ok(salon.patch(f"/customers/{ursula['id']}", json={"sms_consent": True}))
    for moment in (local(day0 + timedelta(days=2), 12), local(day0 + timedelta(days=3), 9, 30)):
        run_dispatch_pass(moment, send_inline=True)

    assert texts(fake_twilio) == []
    [skipped] = nudges(salon, ursula["id"])
    assert (skipped["status"], skipped["reason"]) == ("skipped", "customer has no SMS consent")


def test_a_rule_that_sends_on_fewer_channels_withdraws_the_nudge_it_no_longer_sends(
    salon, day0, fake_twilio, smtp_sink
):
    rule = rebook_rule(salon, days=2, channel="sms_and_email")
    ursula = ok(
        salon.post(
            "/customers",
            json={
                "name": "Ursula Hoffmann",
                "phone": PHONE,
                "sms_consent": True,
                "email": "ursula@example.de",
                "email_consent": True,
            },
        ),
        201,
    )
    appointment(salon, ursula["id"], local(day0, 14))
    run_dispatch_pass(local(day0, 18), send_inline=True)
    assert sorted(n["channel"] for n in nudges(salon, ursula["id"])) == ["email", "sms"]

    ok(salon.patch(f"/rules/{rule['id']}", json={"channel": "sms"}))
    run_dispatch_pass(local(day0, 19), send_inline=True)
    run_dispatch_pass(local(day0 + timedelta(days=2), 9, 30), send_inline=True)

    assert len(texts(fake_twilio)) == 1
    assert smtp_sink.messages == []
    by_status = {n["status"]: n for n in nudges(salon, ursula["id"])}
    assert set(by_status) == {"sent", "cancelled"}
    assert by_status["sent"]["channel"] == "sms"
    assert by_status["cancelled"]["reason"] == "the rule now sends this nudge on one channel"


# --- a nudge whose moment has come ------------------------------------------


def test_r2_4_a_nudge_waiting_for_a_retry_is_not_pushed_to_the_next_day(salon, day0, fake_twilio):
    rebook_rule(salon, days=2, send_time="09:30")
    ursula = customer(salon)
    appointment(salon, ursula["id"], local(day0, 14))
    moment = local(day0 + timedelta(days=2), 9, 30)
    run_dispatch_pass(local(day0, 18), send_inline=True)
    fake_twilio.fail_next(429, 20429, headers={"Retry-After": "120"})

    run_dispatch_pass(moment, send_inline=True)  # Twilio asks for two minutes
    [waiting] = nudges(salon, ursula["id"])
    assert waiting["status"] == "scheduled" and "attempt 1 failed" in waiting["reason"]
    run_dispatch_pass(moment + timedelta(minutes=1), send_inline=True)  # a scan meanwhile
    still = nudges(salon, ursula["id"])[0]
    assert due(still) == due(waiting) and still["reason"] == waiting["reason"]
    run_dispatch_pass(moment + timedelta(minutes=3), send_inline=True)

    assert len(texts(fake_twilio)) == 1
    assert nudges(salon, ursula["id"])[0]["status"] == "sent"


def test_r2_4_a_nudge_held_for_opening_hours_goes_out_when_the_shop_opens(salon, day0, fake_twilio):
    day2 = day0 + timedelta(days=2)
    hours = [
        {"weekday": day.weekday(), "opens": "11:00", "closes": "18:00"}
        for day in (day0 + timedelta(days=n) for n in range(7))
    ]
    shop = ok(salon.post("/locations", json={"name": "Salon", "working_hours": hours}), 201)
    rebook_rule(salon, days=2, send_time="09:30", working_hours_only=True)
    ursula = customer(salon)
    appointment(salon, ursula["id"], local(day0, 14), location_id=shop["id"])

    run_dispatch_pass(local(day0, 18), send_inline=True)
    assert due(nudges(salon, ursula["id"])[0]) == local(day2, 11)
    run_dispatch_pass(local(day2, 10), send_inline=True)  # a scan after 09:30, before opening
    assert due(nudges(salon, ursula["id"])[0]) == local(day2, 11)
    run_dispatch_pass(local(day2, 11), send_inline=True)

    assert len(texts(fake_twilio)) == 1


def test_r2_4_a_rule_given_a_second_channel_does_not_send_the_first_one_again(
    salon, day0, fake_twilio
):
    rule = rebook_rule(salon, days=1, send_time="09:30")
    ursula = customer(salon)
    ok(salon.patch(f"/customers/{ursula['id']}", json={"email": "u@example.org"}))
    appointment(salon, ursula["id"], local(day0, 14))
    run_dispatch_pass(local(day0 + timedelta(days=1), 9, 30), send_inline=True)
    assert len(texts(fake_twilio)) == 1

    ok(salon.patch(f"/rules/{rule['id']}", json={"channel": "sms_and_email"}))
    run_dispatch_pass(local(day0 + timedelta(days=1), 9, 40), send_inline=True)
    run_dispatch_pass(local(day0 + timedelta(days=2), 9, 30), send_inline=True)

    assert len(texts(fake_twilio)) == 1  # the SMS went out once
