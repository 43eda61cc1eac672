"""bot.api.pages read without a request: the sort keys it takes from a list's ORDER BY, the
id appended as the tie-breaker and a nullable column accepted only with its nulls placed
(the API walks in test_pagination.py show what the keys do to pages)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.api.pages import SortKey, sort_keys
from bot.models import Conversation, Customer, Record, Template


def _described(keys: list[SortKey]) -> list[tuple[str, bool, bool]]:
    return [(key.expression.key, key.descending, key.nulls_last) for key in keys]


def test_the_id_is_appended_as_the_tie_breaker_in_the_last_keys_direction():
    templates = select(Template).order_by(Template.name, Template.channel, Template.locale)
    conversations = select(Conversation).order_by(Conversation.last_activity_at.desc())

    assert _described(sort_keys(templates))[-1] == ("id", False, False)
    assert _described(sort_keys(conversations)) == [
        ("last_activity_at", True, False),
        ("id", True, False),
    ]
    assert _described(sort_keys(select(Customer))) == [("id", False, False)]
    assert len(sort_keys(select(Customer).order_by(Customer.id))) == 1


def test_a_nullable_column_pages_only_with_its_nulls_last():
    with pytest.raises(TypeError, match="nulls_last"):
        sort_keys(select(Record).order_by(Record.starts_at, Record.id))

    keys = sort_keys(select(Record).order_by(Record.starts_at.asc().nulls_last(), Record.id))

    assert _described(keys) == [("starts_at", False, True), ("id", False, False)]
