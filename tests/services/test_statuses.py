"""The business's status definitions read in one go (`list_statuses`)."""

from __future__ import annotations

from bot.services.commands import NewStatus
from bot.services.statuses import create_status, list_statuses


def test_the_definitions_come_in_their_order_and_by_kind(db, business, business_factory):
    create_status(
        db.session, business, NewStatus(kind="order", code="done", label="Done", position=5)
    )
    create_status(
        db.session, business, NewStatus(kind="order", code="received", label="In", position=0)
    )
    create_status(db.session, business, NewStatus(kind="inquiry", code="new", label="New"))
    other, _key = business_factory(name="Elsewhere", sms_from="+4930555099")
    create_status(db.session, other, NewStatus(kind="order", code="elsewhere", label="X"))
    db.session.commit()

    every = [(d.kind, d.code) for d in list_statuses(db.session, business)]
    assert sorted(every) == [("inquiry", "new"), ("order", "done"), ("order", "received")]
    orders = list_statuses(db.session, business, kind="order")
    assert [(d.code, d.label) for d in orders] == [("received", "In"), ("done", "Done")]
    assert list_statuses(db.session, business, kind="appointment") == []
