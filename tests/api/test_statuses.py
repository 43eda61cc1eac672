"""/statuses: the business's own statuses for work orders and inquiries (R4.1, R4.2)."""

from __future__ import annotations

import pytest

from tests.support.api import assert_error


def _define(api, kind, code, label, **extra):
    response = api.post("/statuses", json={"kind": kind, "code": code, "label": label, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_statuses_are_listed_per_kind_in_their_order(api):
    received = _define(api, "order", "received", "Angenommen")
    ready = _define(api, "order", "ready", "Abholbereit")
    first = _define(api, "order", "checked_in", "Eingecheckt", position=0)
    question = _define(api, "inquiry", "open", "Offen")

    assert (received["position"], ready["position"]) == (0, 1)
    orders = api.get("/statuses", query_string={"kind": "order"}).get_json()["items"]
    assert [status["code"] for status in orders] == ["received", "checked_in", "ready"]
    assert api.get("/statuses", query_string={"kind": "inquiry"}).get_json()["items"] == [question]
    assert api.get(f"/statuses/{first['id']}").get_json() == first


def test_a_patch_changes_label_and_position_but_never_the_code(api):
    status = _define(api, "order", "ready", "Fertig")

    changed = api.patch(f"/statuses/{status['id']}", json={"label": "Abholbereit", "position": 5})
    refused = api.patch(f"/statuses/{status['id']}", json={"code": "done"})

    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["label"], changed.get_json()["position"]) == ("Abholbereit", 5)
    assert_error(refused, 422, field="code")
    assert api.get(f"/statuses/{status['id']}").get_json()["code"] == "ready"


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"kind": "order", "code": "Ready", "label": "Fertig"}, "code", 422),
        ({"kind": "order", "code": "ready for pickup", "label": "Fertig"}, "code", 422),
        ({"kind": "order", "code": "ready__now", "label": "Fertig"}, "code", 422),
        ({"kind": "order", "code": "x" * 41, "label": "Fertig"}, "code", 422),
        ({"kind": "appointment", "code": "ready", "label": "Fertig"}, "kind", 422),
        ({"kind": "order", "code": "ready", "label": ""}, "label", 422),
        ({"kind": "order", "code": "ready"}, "label", 422),
    ],
)
def test_codes_are_lowercase_slugs_for_orders_and_inquiries(api, body, field, status):
    assert_error(api.post("/statuses", json=body), status, field=field)
    assert api.get("/statuses").get_json() == {"items": [], "next_cursor": None}


def test_a_code_is_defined_once_per_kind(api):
    _define(api, "order", "ready", "Fertig")
    _define(api, "inquiry", "ready", "Beantwortet")

    response = api.post("/statuses", json={"kind": "order", "code": "ready", "label": "Nochmal"})

    assert_error(response, 409, code="duplicate_status", field="code")


def test_once_defined_an_order_takes_only_the_defined_statuses_R4_2(api, customer_factory):
    _define(api, "order", "received", "Angenommen")
    customer = customer_factory()

    refused = api.post(
        "/records", json={"kind": "order", "customer_id": customer.id, "status": "lost"}
    )
    accepted = api.post(
        "/records", json={"kind": "order", "customer_id": customer.id, "status": "received"}
    )

    error = assert_error(refused, 422, field="status")
    assert "received" in error["message"]
    assert accepted.status_code == 201, accepted.get_json()


def test_a_status_no_one_uses_can_be_deleted(api):
    status = _define(api, "order", "ready", "Fertig")

    response = api.delete(f"/statuses/{status['id']}")

    assert response.status_code == 204
    assert_error(api.get(f"/statuses/{status['id']}"), 404, field="status_id")


def test_a_status_a_record_has_cannot_be_deleted(api, customer_factory):
    status = _define(api, "order", "received", "Angenommen")
    api.post(
        "/records",
        json={"kind": "order", "customer_id": customer_factory().id, "status": "received"},
    )

    error = assert_error(api.delete(f"/statuses/{status['id']}"), 409, code="status_in_use")

    assert "1 work order" in error["message"]
    assert api.get(f"/statuses/{status['id']}").status_code == 200


def test_a_status_a_rule_waits_for_cannot_be_deleted(api):
    status = _define(api, "inquiry", "answered", "Beantwortet")
    rule = api.post(
        "/rules",
        json={
            "kind": "inquiry",
            "trigger": "status_changed_to",
            "trigger_status": "answered",
            "notice": "order_status",
        },
    ).get_json()

    error = assert_error(api.delete(f"/statuses/{status['id']}"), 409, code="status_in_use")

    assert f"rule {rule['id']}" in error["message"]
    api.delete(f"/rules/{rule['id']}")
    assert api.delete(f"/statuses/{status['id']}").status_code == 204


def test_statuses_of_another_business_are_404(api, other_api):
    theirs = _define(other_api, "order", "ready", "Fertig")

    assert_error(api.get(f"/statuses/{theirs['id']}"), 404)
    assert_error(api.patch(f"/statuses/{theirs['id']}", json={"label": "Meins"}), 404)
    assert_error(api.delete(f"/statuses/{theirs['id']}"), 404)
    assert api.get("/statuses").get_json() == {"items": [], "next_cursor": None}
    assert other_api.get(f"/statuses/{theirs['id']}").get_json()["label"] == "Fertig"
