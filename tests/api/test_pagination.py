"""Cursor pagination of every API list (issue 14, point 3) and the `external_id` filters.

Each list is walked page by page while rows are added between the pages, some of them
landing before the reader's position (an earlier appointment, a newer conversation, a
status at position 0): every row that was there at the start is seen exactly once and no
row twice. Beside that: `next_cursor` is null on the last page, `limit` keeps its bounds,
a garbled, forged or borrowed cursor and an `offset` are 400s in the API's error shape, and
the OpenAPI document publishes `limit`, `cursor` and `next_cursor`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from bot.models import Author, Conversation, Direction, InboxStatus, Message
from outbound.policy.vocabulary import Channel, MessageStatus
from tests.support.api import assert_error, created
from tests.support.databases import BOTH_DATABASES

pytestmark = BOTH_DATABASES

LONG_AGO = datetime(2030, 5, 10, 12, tzinfo=UTC)


@dataclass
class Walkable:
    """A list's path and a way to add one more row to it (the i-th)."""

    path: str
    add: Callable[[int], object]


def _message(db, business, customer, conversation=None, **fields) -> Message:
    message = Message(
        business_id=business.id,
        customer_id=customer.id,
        conversation_id=conversation.id if conversation else None,
        direction=Direction.OUTBOUND,
        channel=Channel.SMS,
        from_address="+4930555010",
        to_address=customer.phone,
        body="Ihr Termin ist bestätigt.",
        segments=1,
        encoding="GSM-7",
        status=MessageStatus.DELIVERED,
        author=Author.SYSTEM,
        **fields,
    )
    db.session.add(message)
    db.session.commit()
    return message


def _conversation(db, business, number: int, last_activity_at: datetime) -> Conversation:
    conversation = Conversation(
        business_id=business.id,
        channel=Channel.SMS,
        address=f"+49170000{number:04d}",
        inbox_status=InboxStatus.OPEN,
        last_activity_at=last_activity_at,
    )
    db.session.add(conversation)
    db.session.commit()
    return conversation


def _posted(api, path: str, body: dict) -> dict:
    response = api.post(path, json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


@pytest.fixture
def customer(customer_factory):
    return customer_factory()


def _customers(api, db, business, customer, record_factory, now) -> Walkable:
    for number in range(4):
        _posted(
            api, "/customers", {"name": f"Kundin {number}", "phone": f"+4915100001{number:03d}"}
        )
    return Walkable(
        "/customers",
        lambda i: _posted(api, "/customers", {"name": f"Neu {i}", "phone": f"+4915100002{i:03d}"}),
    )


def _records(api, db, business, customer, record_factory, now) -> Walkable:
    for days in (3, 4, 4, 6):  # two at one time: the id breaks the tie
        record_factory(customer, starts_at=now + timedelta(days=days))
    for _ in range(3):  # records without a time come last
        record_factory(customer, kind="order", starts_at=None, status="received")

    def add(i: int):
        # Alternately before everything (behind a reader) and after every timed record.
        days = 1 if i % 2 == 0 else 30
        starts_at = (now + timedelta(days=days, minutes=i)).isoformat()
        return _posted(api, "/records", {"customer_id": customer.id, "starts_at": starts_at})

    return Walkable("/records", add)


def _messages(api, db, business, customer, record_factory, now) -> Walkable:
    for hours in (0, 1, 1, 1, 2, 3):
        _message(db, business, customer, created_at=LONG_AGO + timedelta(hours=hours))

    def add(i: int):
        # Stored with an earlier time than the reader has passed, or now.
        when = LONG_AGO - timedelta(days=1) if i % 2 == 0 else now
        return _message(db, business, customer, created_at=when + timedelta(minutes=i))

    return Walkable("/messages", add)


def _notifications(api, db, business, customer, record_factory, now) -> Walkable:
    for days in (3, 5, 7):
        record_factory(customer, starts_at=now + timedelta(days=days))
    return Walkable(
        "/notifications",
        lambda i: record_factory(customer, starts_at=now + timedelta(hours=30 + i)),
    )


def _conversations(api, db, business, customer, record_factory, now) -> Walkable:
    for number, hours in enumerate((5, 4, 4, 4, 3, 1)):
        _conversation(db, business, number, now - timedelta(hours=hours))
    # Each new conversation is the newest: it heads the list, ahead of the reader.
    return Walkable("/conversations", lambda i: _conversation(db, business, 100 + i, now))


def _thread(api, db, business, customer, record_factory, now) -> Walkable:
    conversation = _conversation(db, business, 1, now)
    for minutes in (0, 1, 1, 2, 5):
        _message(
            db, business, customer, conversation, created_at=now - timedelta(minutes=10 - minutes)
        )
    path = f"/conversations/{conversation.id}/messages"
    return Walkable(
        path, lambda i: _posted(api, f"/conversations/{conversation.id}/notes", {"body": f"N{i}"})
    )


def _rules(api, db, business, customer, record_factory, now) -> Walkable:
    rule = {"kind": "appointment", "trigger": "reminder", "notice": "reminder"}
    return Walkable("/rules", lambda i: _posted(api, "/rules", {**rule, "offset_minutes": 60 + i}))


def _statuses(api, db, business, customer, record_factory, now) -> Walkable:
    for number in range(5):
        _posted(
            api,
            "/statuses",
            {"kind": "order", "code": f"step_{number}", "label": f"Schritt {number}"},
        )

    def add(i: int):
        # Position 0 sorts before every status the reader has passed.
        body = {"kind": "order", "code": f"new_{i}", "label": f"Neu {i}", "position": 0}
        return _posted(api, "/statuses", body)

    return Walkable("/statuses", add)


def _templates(api, db, business, customer, record_factory, now) -> Walkable:
    def add(i: int):
        # Named to sort before every default template the reader has passed.
        body = {"name": f"aa_{i}", "channel": "sms", "locale": "de", "body": "Hallo!"}
        return _posted(api, "/templates", body)

    return Walkable("/templates", add)


def _catalogue(path: str) -> Callable[..., Walkable]:
    def walkable(api, db, business, customer, record_factory, now) -> Walkable:
        for number in range(5):
            _posted(api, path, {"name": f"Erste {number}"})
        return Walkable(path, lambda i: _posted(api, path, {"name": f"Neu {i}"}))

    return walkable


LISTS = {
    "customers": _customers,
    "records": _records,
    "messages": _messages,
    "notifications": _notifications,
    "conversations": _conversations,
    "conversation messages": _thread,
    "rules": _rules,
    "statuses": _statuses,
    "templates": _templates,
    "locations": _catalogue("/locations"),
    "staff": _catalogue("/staff"),
    "services": _catalogue("/services"),
}


@pytest.fixture(params=sorted(LISTS))
def walkable(request, api, db, business, customer, record_factory, now) -> Walkable:
    return LISTS[request.param](api, db, business, customer, record_factory, now)


def page(api, path: str, **query) -> dict:
    response = api.get(path, query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"items", "next_cursor"}
    return body


def walk(api, path: str, *, limit: int, between=lambda pages: None, **filters) -> list[int]:
    """Every id the list shows, page after page; `between` runs after each page but the last."""
    seen: list[int] = []
    cursor = None
    for pages in range(200):
        query = {**filters, "limit": limit, **({"cursor": cursor} if cursor else {})}
        body = page(api, path, **query)
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen
        assert body["items"], "a page before the last is never empty"
        between(pages)
    raise AssertionError("the walk never ended")


def test_a_walk_sees_every_row_once_while_rows_are_added(api, walkable):
    before = [item["id"] for item in page(api, walkable.path, limit=500)["items"]]
    assert len(before) >= 5
    added = []

    seen = walk(
        api, walkable.path, limit=2, between=lambda pages: added.append(walkable.add(pages))
    )

    assert len(added) >= 2
    assert len(seen) == len(set(seen)), f"seen twice: {sorted(seen)}"
    assert [row for row in seen if row in before] == before, "each row once, in the list's order"
    after = [item["id"] for item in page(api, walkable.path, limit=500)["items"]]
    assert set(seen) <= set(after)
    assert [row for row in after if row in seen] == seen, "the walk kept the list's order"


def test_conversations_with_new_activity_during_a_walk_are_never_seen_twice(api, db, business, now):
    for number in range(8):
        _conversation(db, business, number, now - timedelta(hours=10 - number))
    listed = [item["id"] for item in page(api, "/conversations")["items"]]
    first = page(api, "/conversations", limit=3)
    # Staff answer one the reader has seen and one it has not: both move to the head.
    seen_one, unseen_one = listed[1], listed[4]
    for conversation in (seen_one, unseen_one):
        _posted(api, f"/conversations/{conversation}/messages", {"body": "Gern, bis dann."})

    rest = walk(api, "/conversations", limit=3, cursor=first["next_cursor"])

    walked = [item["id"] for item in first["items"]] + rest
    assert len(walked) == len(set(walked)), f"seen twice: {walked}"
    assert walked == [row for row in listed if row != unseen_one]
    # What the walk missed heads the next one.
    assert [item["id"] for item in page(api, "/conversations", limit=2)["items"]] == [
        unseen_one,
        seen_one,
    ]


def test_next_cursor_is_null_on_the_last_page_and_limit_may_change(api, customer_factory):
    rows = [customer_factory(name=f"K {n}", phone=f"+4915100003{n:03d}").id for n in range(5)]

    whole = page(api, "/customers", limit=5)
    first = page(api, "/customers", limit=2)
    second = page(api, "/customers", limit=3, cursor=first["next_cursor"])

    assert [item["id"] for item in whole["items"]] == rows and whole["next_cursor"] is None
    assert first["next_cursor"] is not None
    assert [item["id"] for item in first["items"] + second["items"]] == rows
    assert second["next_cursor"] is None
    assert page(api, "/customers", external_id="nobody") == {"items": [], "next_cursor": None}


def test_limit_keeps_its_default_and_bounds(api, db, business, customer):
    for minutes in range(101):
        _message(db, business, customer, created_at=LONG_AGO + timedelta(minutes=minutes))

    default = page(api, "/messages")
    largest = page(api, "/messages", limit=500)

    assert len(default["items"]) == 100 and default["next_cursor"] is not None
    assert len(largest["items"]) == 101 and largest["next_cursor"] is None
    for limit in (0, 501, -1):
        assert_error(api.get("/messages", query_string={"limit": limit}), 422, field="limit")


@pytest.mark.parametrize(
    "cursor", ["garbled", "", "a.b", "eyJzIjoiMSJ9.AAAA", "ü" * 3, "x" * 5000, "null"]
)
def test_a_garbled_cursor_is_a_400(api, customer_factory, cursor):
    customer_factory()

    error = assert_error(
        api.get("/customers", query_string={"cursor": cursor}), 400, code="invalid_cursor"
    )

    assert error["field"] == "cursor"
    assert "first page" in error["message"]


def test_a_cursor_changed_by_one_character_is_a_400(api, customer_factory):
    for n in range(3):
        customer_factory(name=f"K {n}", phone=f"+4915100004{n:03d}")
    cursor = page(api, "/customers", limit=1)["next_cursor"]
    payload, signature = cursor.split(".")
    # Another payload under the same signature: a forged position.
    forged = payload[:-1] + ("A" if payload[-1] != "A" else "B") + "." + signature

    assert_error(api.get("/customers", query_string={"cursor": forged}), 400, field="cursor")


def test_a_cursor_from_another_list_or_other_filters_is_refused(
    api, db, business, customer, customer_factory, record_factory, now
):
    for days in (1, 2, 3):
        record_factory(customer, starts_at=now + timedelta(days=days))
    customer_factory(name="Jane", phone="+4915199999999")
    customers = page(api, "/customers", limit=1)["next_cursor"]
    records = page(api, "/records", limit=1, customer_id=customer.id)["next_cursor"]
    one, other = (_conversation(db, business, n, now) for n in (1, 2))
    for conversation in (one, other):
        for _ in range(2):
            _message(db, business, customer, conversation, created_at=now)
    thread = page(api, f"/conversations/{one.id}/messages", limit=1)["next_cursor"]

    refused = [
        api.get("/records", query_string={"cursor": customers}),
        api.get("/records", query_string={"cursor": records}),  # without its filter
        api.get("/records", query_string={"cursor": records, "customer_id": 999}),
        api.get("/customers", query_string={"cursor": records}),
        api.get(f"/conversations/{other.id}/messages", query_string={"cursor": thread}),
    ]

    for response in refused:
        error = assert_error(response, 400, code="invalid_cursor", field="cursor")
        assert "another list or to other filters" in error["message"]
    same = page(api, "/records", limit=5, customer_id=customer.id, cursor=records)
    assert len(same["items"]) == 2


@pytest.mark.parametrize("offset", ["0", "1", "abc"])
def test_offset_is_refused_with_a_400_naming_the_cursor(api, offset):
    error = assert_error(
        api.get("/customers", query_string={"offset": offset}), 400, code="offset_not_supported"
    )

    assert error["field"] == "offset"
    assert "cursor" in error["message"]


def test_customers_filter_by_external_id_exactly(api, customer_factory):
    k1 = customer_factory(external_id="K-1")
    customer_factory(name="Jane", phone="+4915199999999", external_id="K-10")
    customer_factory(name="Petra", phone="+4916011122233")

    assert [row["id"] for row in page(api, "/customers", external_id="K-1")["items"]] == [k1.id]
    assert page(api, "/customers", external_id="k-1")["items"] == []
    assert page(api, "/customers", external_id="K-")["items"] == []


def test_records_take_an_external_id_and_filter_by_it(api, customer, now):
    start = (now + timedelta(days=2)).isoformat()
    booked = _posted(
        api, "/records", {"customer_id": customer.id, "starts_at": start, "external_id": "B-7"}
    )
    other = _posted(api, "/records", {"customer_id": customer.id, "starts_at": start})

    assert booked["external_id"] == "B-7" and other["external_id"] is None
    assert [row["id"] for row in page(api, "/records", external_id="B-7")["items"]] == [
        booked["id"]
    ]
    changed = created(api.patch(f"/records/{other['id']}", json={"external_id": "B-8"}))
    assert changed["external_id"] == "B-8"
    assert [row["id"] for row in page(api, "/records", external_id="B-8")["items"]] == [other["id"]]
    assert page(api, "/records", external_id="B-9")["items"] == []
    assert_error(
        api.patch(f"/records/{other['id']}", json={"external_id": "B\n8"}), 422, field="external_id"
    )


def test_the_openapi_document_publishes_limit_cursor_and_next_cursor(client):
    document = json.loads(client.get("/api/v1/openapi.json").get_data(as_text=True))
    lists = {
        path: operation["get"]
        for path, operation in document["paths"].items()
        if "get" in operation
        and "next_cursor"
        in json.dumps(
            document["components"]["schemas"].get(
                operation["get"]["responses"]["200"]["content"]["application/json"]["schema"]
                .get("$ref", "")
                .rsplit("/", 1)[-1],
                {},
            )
        )
    }

    assert len(lists) >= 12, sorted(lists)
    for path, operation in lists.items():
        names = {parameter["name"] for parameter in operation.get("parameters", [])}
        assert {"limit", "cursor"} <= names and "offset" not in names, path
        assert "400" in operation["responses"], f"{path}: a bad cursor is a documented 400"
    assert "external_id" in {
        p["name"] for p in document["paths"]["/api/v1/records"]["get"]["parameters"]
    }
