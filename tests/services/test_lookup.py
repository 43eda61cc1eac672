"""Loading a row by id: the one row-id limit and ids beyond it."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from bot.api.fields import MAX_ID
from bot.errors import NotFound
from bot.models import Customer
from bot.services.lookup import MAX_ROW_ID, owned_row
from bot.web import MAX_ROW_ID as WEB_MAX_ROW_ID


def test_the_api_the_pages_and_the_services_share_one_id_limit():
    # ids are int4 columns on PostgreSQL
    assert MAX_ID == WEB_MAX_ROW_ID == MAX_ROW_ID == 2**31 - 1


@pytest.mark.parametrize("row_id", [MAX_ROW_ID + 1, 2**63 - 1, 2**63, 0, -1])
def test_an_id_no_column_holds_is_not_found_without_a_query(db, business, row_id):
    statements = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        with pytest.raises(NotFound) as refused:
            owned_row(db.session, business, Customer, row_id, label="customer", field="id")
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert refused.value.field == "id"
    assert statements == []
