"""The staff web app's shared guards: the `id` URL converter, which admits only ids a
database column can hold, and `refuse_nul`, which answers 400 to a NUL character in any form
or query field before a view sees it."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from bot.services.lookup import MAX_ROW_ID


# A wider or signed number matches no route, so it is a plain 404 and never reaches a query
# (PostgreSQL would refuse it with an error).
class RowIdConverter(IntegerConverter):
    """`<id:name>`: a database row id."""

    def __init__(self, url_map) -> None:
        super().__init__(url_map, min=1, max=MAX_ROW_ID)


# No browser sends a NUL from typing, and PostgreSQL cannot store one in text: such a
# request is refused before any view saves part of it.
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
