"""The staff web app: login, the inbox, the owner's console and the phone simulator.

Its pages name rows by id in their URLs with the `id` converter (`<id:record_id>`):
a whole number from 1 to `MAX_ROW_ID` (2**31 - 1, from `bot.services.lookup`), the
widest an id column holds on every database we run on. A wider or signed number
matches no route, so it is a plain 404 and never reaches a query (PostgreSQL would
refuse it with an error).

`refuse_nul` guards every page the same way against a NUL character in a form or
query field: no browser sends one from typing, and PostgreSQL cannot store one in
text, so such a request is answered 400 with a page naming the field, before any
view saves part of it.
"""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from bot.services.lookup import MAX_ROW_ID


class RowIdConverter(IntegerConverter):
    """`<id:name>`: a database row id."""

    def __init__(self, url_map) -> None:
        super().__init__(url_map, min=1, max=MAX_ROW_ID)


def refuse_nul():
    """400 with a page naming the field when a form or query value holds a NUL."""
    for values in (request.args, request.form):
        for name, value in values.items(multi=True):
            if "\x00" in value:
                message = _(
                    "The field “%(field)s” holds a NUL character, which no text may hold. "
                    "Nothing was saved.",
                    field=name[:60],
                )
                return render_template("bad_request.html", message=message), 400
    return None
