"""bot.services.catalogue: working-hours rules, and rows scoped to their business."""

from __future__ import annotations

from datetime import time

import pytest

from bot.errors import DomainError, NotFound
from bot.services.catalogue import (
    checked_working_hours,
    create_location,
    create_service,
    get_location,
    list_locations,
)


def _range(weekday, opens, closes):
    return {"weekday": weekday, "opens": time(*opens), "closes": time(*closes)}


def test_ranges_are_sorted_by_day_and_time():
    ranges = [_range(4, (14, 0), (18, 0)), _range(0, (9, 0), (17, 0)), _range(4, (9, 0), (12, 0))]

    assert checked_working_hours(ranges) == [
        (0, time(9), time(17)),
        (4, time(9), time(12)),
        (4, time(14), time(18)),
    ]


def test_touching_ranges_are_allowed():
    ranges = [_range(2, (9, 0), (12, 0)), _range(2, (12, 0), (18, 0))]

    assert len(checked_working_hours(ranges)) == 2


@pytest.mark.parametrize(
    ("ranges", "words", "code"),
    [
        ([_range(0, (18, 0), (9, 0))], "Monday", "closes_before_opens"),
        ([_range(6, (9, 0), (9, 0))], "Sunday", "closes_before_opens"),
        ([_range(1, (9, 0), (13, 0)), _range(1, (10, 0), (11, 0))], "overlaps", "overlap"),
        ([_range(7, (9, 0), (17, 0))], "weekday", "invalid"),
    ],
)
def test_impossible_ranges_are_refused(ranges, words, code):
    with pytest.raises(DomainError) as raised:
        checked_working_hours(ranges)

    assert raised.value.field == "working_hours"
    assert words in raised.value.message
    # The code says which problem it is, so a page words it without guessing again.
    assert raised.value.code == code


def test_rows_belong_to_their_business(db, business_factory):
    salon, _ = business_factory()
    workshop, _ = business_factory(name="Werkstatt", sms_from="+4930555020")
    location = create_location(
        db.session, salon, {"name": "Mitte", "working_hours": [_range(0, (9, 0), (17, 0))]}
    )
    db.session.commit()

    assert get_location(db.session, salon, location.id).working_hours[0].opens_at == time(9)
    assert list_locations(db.session, workshop) == []
    with pytest.raises(NotFound):
        get_location(db.session, workshop, location.id)


def test_a_service_refuses_an_impossible_duration(db, business):
    with pytest.raises(DomainError) as raised:
        create_service(db.session, business, {"name": "Schnitt", "duration_minutes": 0})

    assert raised.value.field == "duration_minutes"
