"""The staff web app: login, the inbox, the owner's console and the phone simulator.

Its pages name rows by id in their URLs with the `id` converter (`<id:record_id>`):
a whole number from 1 to 2**31 - 1, the widest an id column holds on every database
we run on. A wider or signed number matches no route, so it is a plain 404 and never
reaches a query (PostgreSQL would refuse it with an error).
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

MAX_ROW_ID = 2**31 - 1


class RowIdConverter(IntegerConverter):
    """`<id:name>`: a database row id."""

    def __init__(self, url_map) -> None:
        super().__init__(url_map, min=1, max=MAX_ROW_ID)
