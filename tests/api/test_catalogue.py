"""/locations, /staff and /services: the catalogue records point at."""

from __future__ import annotations

import pytest

from tests.support.api import assert_error

HOURS = [
    {"weekday": 1, "opens": "14:00", "closes": "18:00"},
    {"weekday": 1, "opens": "09:00", "closes": "12:30"},
    {"weekday": 5, "opens": "09:00", "closes": "14:00"},
]


def test_a_location_keeps_several_ranges_per_day_sorted(api):
    response = api.post(
        "/locations",
        json={"name": "Mitte", "address": "Torstraße 1, Berlin", "working_hours": HOURS},
    )

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["name"] == "Mitte"
    assert body["working_hours"] == [
        {"weekday": 1, "opens": "09:00", "closes": "12:30"},
        {"weekday": 1, "opens": "14:00", "closes": "18:00"},
        {"weekday": 5, "opens": "09:00", "closes": "14:00"},
    ]
    assert api.get(f"/locations/{body['id']}").get_json() == body
    assert api.get("/locations").get_json() == {"items": [body], "next_cursor": None}


def test_patching_working_hours_replaces_them(api):
    location = api.post("/locations", json={"name": "Mitte", "working_hours": HOURS}).get_json()

    body = api.patch(
        f"/locations/{location['id']}",
        json={"working_hours": [{"weekday": 0, "opens": "10:00", "closes": "19:00"}]},
    ).get_json()

    assert body["working_hours"] == [{"weekday": 0, "opens": "10:00", "closes": "19:00"}]
    assert body["name"] == "Mitte"
    cleared = api.patch(f"/locations/{location['id']}", json={"working_hours": []}).get_json()
    assert cleared["working_hours"] == []


@pytest.mark.parametrize(
    ("hours", "field", "words"),
    [
        ([{"weekday": 2, "opens": "18:00", "closes": "09:00"}], "working_hours", "Wednesday"),
        (
            [{"weekday": 2, "opens": "09:00", "closes": "09:00"}],
            "working_hours",
            "before it closes",
        ),
        (
            [
                {"weekday": 3, "opens": "09:00", "closes": "13:00"},
                {"weekday": 3, "opens": "12:00", "closes": "18:00"},
            ],
            "working_hours",
            "overlaps",
        ),
        ([{"weekday": 7, "opens": "09:00", "closes": "18:00"}], "working_hours.0.weekday", ""),
        ([{"weekday": 1, "opens": "9am", "closes": "18:00"}], "working_hours.0.opens", "HH:MM"),
        ([{"weekday": 1, "opens": "24:00", "closes": "18:00"}], "working_hours.0.opens", "HH:MM"),
        ([{"weekday": 1, "opens": "09:00"}], "working_hours.0.closes", ""),
        ([{"weekday": 1, "opens": "09:00", "closes": "18:00", "x": 1}], "working_hours.0.x", ""),
        ({"weekday": 1}, "working_hours", ""),
    ],
)
def test_bad_working_hours_are_422(api, hours, field, words):
    response = api.post("/locations", json={"name": "Mitte", "working_hours": hours})

    error = assert_error(response, 422, field=field)
    assert words in error["message"]
    assert api.get("/locations").get_json() == {"items": [], "next_cursor": None}


def test_a_location_needs_a_name(api):
    assert_error(api.post("/locations", json={"address": "Torstraße 1"}), 422, field="name")
    assert_error(api.post("/locations", json={"name": "   "}), 422, field="name")


def test_staff_members_are_created_and_deactivated(api):
    member = api.post("/staff", json={"name": "Jane"}).get_json()
    assert member["active"] is True

    body = api.patch(f"/staff/{member['id']}", json={"active": False}).get_json()

    assert body == {"id": member["id"], "name": "Jane", "active": False}
    assert api.get("/staff").get_json() == {"items": [body], "next_cursor": None}
    assert_error(api.patch(f"/staff/{member['id']}", json={"active": "no"}), 422, field="active")


def test_services_have_a_default_duration_and_a_rebook_interval(api):
    service = api.post("/services", json={"name": "Schnitt", "category": "Haare"}).get_json()
    assert service["duration_minutes"] == 30
    assert service["rebook_interval_days"] is None

    body = api.patch(
        f"/services/{service['id']}", json={"duration_minutes": 45, "rebook_interval_days": 42}
    ).get_json()

    assert (body["duration_minutes"], body["rebook_interval_days"]) == (45, 42)
    assert body["category"] == "Haare"
    assert api.get(f"/services/{service['id']}").get_json() == body
    assert_error(api.patch(f"/services/{service['id']}", json={"duration_minutes": 0}), 422)
    assert_error(api.post("/services", json={"category": "Haare"}), 422, field="name")


def test_unknown_catalogue_ids_are_404(api):
    assert_error(api.get("/locations/999"), 404, field="location_id")
    assert_error(api.patch("/staff/999", json={"name": "X"}), 404, field="staff_id")
    assert_error(api.get("/services/999"), 404, field="service_id")
