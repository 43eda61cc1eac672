"""Rebook timing (R2.4–R2.6): when a customer's nudge is due, or why not."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from outbound.policy.rebook_timing import (
    MISSED_GRACE,
    PATTERN_MAX_DAYS,
    Booking,
    RebookMode,
    RebookSettings,
    is_rebook_key,
    last_visit,
    nudge_blocker,
    rebook_due,
    rebook_key,
    scan_horizon,
    typical_intervals,
)

BERLIN = ZoneInfo("Europe/Berlin")
ZONE = "Europe/Berlin"


def at(day: int, hour: int = 14, month: int = 3) -> datetime:
    """An instant in March 2031 (Berlin), before the clocks change on the 30th."""
    return datetime(2031, month, day, hour, 0, tzinfo=BERLIN)


def visit(record_id: int, starts_at: datetime, status: str = "completed", **service) -> Booking:
    return Booking(record_id=record_id, starts_at=starts_at, status=status, **service)


AFTER_2_DAYS = RebookSettings(RebookMode.AFTER_VISIT, 2, time(9, 30))
PREDICTED = RebookSettings(RebookMode.PREDICTED, 5, time(10, 0))


@pytest.mark.parametrize("days", [1, 2, 3])
def test_after_visit_is_n_days_later_at_the_time_of_day_in_the_business_zone(days):
    settings = RebookSettings(RebookMode.AFTER_VISIT, days, time(9, 30))
    timing = rebook_due([visit(1, at(3))], settings, now=at(3, 18), zone=ZONE)

    assert timing.due_at == datetime(2031, 3, 3 + days, 9, 30, tzinfo=BERLIN)
    assert timing.due_at.astimezone(UTC).hour == 8  # CET: 09:30 local is 08:30 UTC
    assert timing.visit.record_id == 1
    assert f"{days} days after the visit on 2031-03-03" in timing.reason


def test_the_time_of_day_follows_the_zone_across_the_clock_change():
    # Visit on Friday 28 March; three days later is Monday 31 March, summer time.
    settings = RebookSettings(RebookMode.AFTER_VISIT, 3, time(9, 30))
    timing = rebook_due([visit(1, at(28))], settings, now=at(28, 18), zone=ZONE)

    assert timing.due_at.astimezone(UTC) == datetime(2031, 3, 31, 7, 30, tzinfo=UTC)


def test_a_rule_without_a_time_of_day_sends_at_ten():
    settings = RebookSettings(RebookMode.AFTER_VISIT, 1, None)
    timing = rebook_due([visit(1, at(3))], settings, now=at(3, 18), zone=ZONE)
    assert timing.due_at == datetime(2031, 3, 4, 10, 0, tzinfo=BERLIN)


def test_a_visit_is_completed_or_confirmed_and_begun_never_cancelled_or_no_show():
    bookings = [
        visit(1, at(1)),
        visit(2, at(5), "no_show"),
        visit(3, at(6), "cancelled"),
        visit(4, at(7), "rejected"),
        visit(5, at(4), "confirmed"),  # took place, nobody marked it completed
    ]
    assert last_visit(bookings, at(10)).record_id == 5
    assert last_visit(bookings, at(4, 13)).record_id == 1  # 5 has not begun yet
    assert last_visit([visit(9, at(5), "pending")], at(10)) is None


def test_no_visit_no_nudge():
    timing = rebook_due([visit(1, at(20), "confirmed")], AFTER_2_DAYS, now=at(10), zone=ZONE)
    assert (timing.due_at, timing.reason) == (None, "customer has no visit yet")


def test_never_planned_for_a_customer_with_a_future_appointment_R2_5():
    bookings = [visit(1, at(3)), visit(2, at(3, month=4), "confirmed")]
    timing = rebook_due(bookings, AFTER_2_DAYS, now=at(3, 18), zone=ZONE)

    assert timing.due_at is None
    assert timing.reason == "customer already has an appointment on 2031-04-03"


def test_a_pending_request_counts_as_a_booking():
    bookings = [visit(1, at(3)), visit(2, at(20), "pending")]
    assert nudge_blocker(bookings, 1, now=at(4), zone=ZONE) == (
        "customer already has an appointment on 2031-03-20"
    )


def test_a_newer_visit_replaces_the_nudge_for_the_older_one():
    bookings = [visit(1, at(3)), visit(2, at(5), "confirmed")]

    assert nudge_blocker(bookings, 1, now=at(5, 18), zone=ZONE) == (
        "customer visited again on 2031-03-05"
    )
    assert nudge_blocker(bookings, 2, now=at(5, 18), zone=ZONE) is None
    timing = rebook_due(bookings, AFTER_2_DAYS, now=at(5, 18), zone=ZONE)
    assert (timing.visit.record_id, timing.due_at) == (
        2,
        datetime(2031, 3, 7, 9, 30, tzinfo=BERLIN),
    )


def test_a_visit_that_is_no_longer_one_blocks_its_nudge():
    assert nudge_blocker([visit(1, at(3), "no_show")], 1, now=at(4), zone=ZONE) == (
        "the visit on 2031-03-03 is now no_show"
    )
    assert nudge_blocker([visit(1, at(9), "confirmed")], 1, now=at(4), zone=ZONE) == (
        "the visit was moved to 2031-03-09"
    )
    assert nudge_blocker([], 1, now=at(4), zone=ZONE) == "the visit no longer exists"


def test_cancelled_and_no_show_appointments_after_the_visit_do_not_block():
    bookings = [visit(1, at(3)), visit(2, at(20), "cancelled"), visit(3, at(4), "no_show")]
    assert nudge_blocker(bookings, 1, now=at(5), zone=ZONE) is None


def test_predicted_with_fewer_than_3_visits_uses_the_service_interval_R2_6():
    bookings = [visit(1, at(1), interval_days=42, service_name="Schnitt")]
    timing = rebook_due(bookings, PREDICTED, now=at(1, 18), zone=ZONE)

    # at risk 42 days after 1 March: 12 April; five days before: 7 April
    assert timing.due_at == datetime(2031, 4, 7, 10, 0, tzinfo=BERLIN)
    assert "5 days before 2031-04-12" in timing.reason
    assert "'Schnitt' (its interval: 42 days)" in timing.reason


def test_predicted_falls_back_to_the_category_interval():
    bookings = [
        visit(1, at(1, month=1), interval_days=90),
        visit(2, at(1), category_interval_days=28, service_name="Farbe"),
    ]
    timing = rebook_due(bookings, PREDICTED, now=at(1, 18), zone=ZONE)

    assert timing.due_at == datetime(2031, 3, 24, 10, 0, tzinfo=BERLIN)  # 29 March - 5 days
    assert "its category's interval: 28 days" in timing.reason


def test_predicted_without_any_interval_says_so():
    timing = rebook_due([visit(1, at(1), service_name="Beratung")], PREDICTED, now=at(2), zone=ZONE)
    assert timing.due_at is None
    assert timing.reason == "no rebook interval is known for service 'Beratung' or its category"


def test_predicted_with_3_or_more_visits_follows_the_customer_s_own_pattern_R2_6():
    # Every 3 weeks, though the service says 8: the customer's own rhythm wins.
    days = [datetime(2031, 1, 5, 11, tzinfo=BERLIN) + timedelta(days=21 * n) for n in range(4)]
    bookings = [visit(i, day, interval_days=56) for i, day in enumerate(days, start=1)]
    now = days[-1] + timedelta(hours=6)
    timing = rebook_due(bookings, PREDICTED, now=now, zone=ZONE)

    at_risk = days[-1].date() + timedelta(days=21)
    assert timing.due_at == datetime.combine(at_risk - timedelta(days=5), time(10), tzinfo=BERLIN)
    assert "4 visits, usually every 21 days" in timing.reason


def test_the_pattern_is_the_median_of_the_recent_gaps_and_one_odd_gap_does_not_move_it():
    starts = [at(1, month=1), at(29, month=1), at(26, month=2), at(3, month=3)]  # 28, 28, 5
    bookings = [visit(i, start) for i, start in enumerate(starts, start=1)]
    timing = rebook_due(bookings, PREDICTED, now=at(3, 18), zone=ZONE)

    assert timing.due_at == datetime(2031, 3, 26, 10, 0, tzinfo=BERLIN)  # 31 March - 5 days


def test_two_appointments_on_one_day_are_one_visit():
    bookings = [
        visit(1, at(1, 10), interval_days=30),
        visit(2, at(1, 12), interval_days=30),
        visit(3, at(3, 11), interval_days=30),
    ]
    timing = rebook_due(bookings, PREDICTED, now=at(3, 18), zone=ZONE)
    # two visits (1 and 3 March): still the service interval, not a two-day "pattern"
    assert timing.due_at == datetime(2031, 3, 28, 10, 0, tzinfo=BERLIN)


def test_a_prediction_never_sends_before_the_day_after_the_visit():
    bookings = [visit(1, at(3), interval_days=3)]
    timing = rebook_due(bookings, PREDICTED, now=at(3, 18), zone=ZONE)
    assert timing.due_at == datetime(2031, 3, 4, 10, 0, tzinfo=BERLIN)


def test_a_moment_missed_by_a_little_goes_at_the_next_time_of_day():
    # Visit on the 3rd, nudge due on the 5th at 09:30; the scan first runs at 15:00.
    timing = rebook_due([visit(1, at(3))], AFTER_2_DAYS, now=at(5, 15), zone=ZONE)
    assert timing.due_at == datetime(2031, 3, 6, 9, 30, tzinfo=BERLIN)
    assert timing.reason.endswith("sent late")


def test_a_moment_long_past_is_dropped_so_a_new_rule_does_not_text_old_customers():
    due = datetime(2031, 3, 5, 9, 30, tzinfo=BERLIN)
    just_within = rebook_due([visit(1, at(3))], AFTER_2_DAYS, now=due + MISSED_GRACE, zone=ZONE)
    assert just_within.due_at is not None
    months_later = rebook_due([visit(1, at(3))], AFTER_2_DAYS, now=at(3, month=6), zone=ZONE)
    assert months_later.due_at is None
    assert months_later.reason == "the moment (2031-03-05 09:30) passed long ago"


def test_typical_interval_of_a_category_is_the_median_of_its_services():
    services = [("Haare", 28), ("Haare", 42), ("Haare", 56), ("Haare", None), ("Nägel", 21)]
    services += [(None, 10), ("Kosmetik", None)]
    assert typical_intervals(services) == {"Haare": 42, "Nägel": 21}
    assert typical_intervals([("Haare", 28), ("Haare", 42)]) == {"Haare": 28}


def test_the_key_names_rule_customer_visit_and_position_not_the_channel():
    key = rebook_key(3, 17, 240)
    assert key == "rebook:rule:3:customer:17:visit:240:1"
    assert is_rebook_key(key)
    assert not is_rebook_key("record:240:v2:rule:3:sms")
    assert rebook_key(3, 17, 241) != key
    assert rebook_key(3, 17, 240, 2) == "rebook:rule:3:customer:17:visit:240:2"


def test_a_pattern_longer_than_a_year_is_at_risk_after_a_year():
    starts = [at(1, month=1) + timedelta(days=500 * n) for n in range(3)]
    bookings = [visit(i, start) for i, start in enumerate(starts, start=1)]
    timing = rebook_due(bookings, PREDICTED, now=starts[-1] + timedelta(hours=6), zone=ZONE)

    at_risk = starts[-1].date() + timedelta(days=PATTERN_MAX_DAYS)
    assert timing.due_at == datetime.combine(at_risk - timedelta(days=5), time(10), tzinfo=BERLIN)
    assert "3 visits, usually every 500 days, at risk after 365 at the latest" in timing.reason


@pytest.mark.parametrize("mode", list(RebookMode))
@pytest.mark.parametrize("days", [1, 3, 5])
def test_no_nudge_is_due_for_a_last_visit_before_the_scan_horizon(mode, days):
    settings = RebookSettings(mode, days, time(23, 30))
    now = at(20, 9)
    horizon = scan_horizon([settings], longest_interval_days=400, now=now)
    service = {"interval_days": 400}
    # a visit just before the horizon: long past, whatever its pattern or service
    old = [visit(1, horizon - timedelta(minutes=1), **service)]
    assert rebook_due(old, settings, now=now, zone=ZONE).due_at is None
    patterned = [
        visit(i, horizon - timedelta(days=PATTERN_MAX_DAYS * (3 - i), minutes=1), **service)
        for i in (1, 2, 3)
    ]
    assert rebook_due(patterned, settings, now=now, zone=ZONE).due_at is None


def test_the_scan_horizon_reaches_as_far_as_the_longest_rule():
    now = at(20, 9)
    after_3 = RebookSettings(RebookMode.AFTER_VISIT, 3, time(9, 30))
    horizon = scan_horizon([after_3, AFTER_2_DAYS], longest_interval_days=None, now=now)
    assert horizon == now - MISSED_GRACE - timedelta(days=3 + 2)
    predicted = scan_horizon([after_3, PREDICTED], longest_interval_days=42, now=now)
    assert predicted == now - MISSED_GRACE - timedelta(days=PATTERN_MAX_DAYS + 2)
    longer = scan_horizon([PREDICTED], longest_interval_days=400, now=now)
    assert longer == now - MISSED_GRACE - timedelta(days=400 + 2)
