"""Fixtures for the REST API tests: API clients for two unrelated businesses."""

from __future__ import annotations

import pytest

from bot.services.businesses import create_api_key
from tests.support.api import ApiClient


@pytest.fixture
def api(client, db, business):
    """An API client for the `business` fixture (the German salon, SMS on), so
    `customer_factory` and `record_factory` rows belong to it."""
    key = create_api_key(db.session, business)
    db.session.commit()
    return ApiClient(client, key, business)


@pytest.fixture
def other_api(client, business_factory):
    """An API client for a second, unrelated business."""
    business, key = business_factory(name="Fahrradwerkstatt Kette", sms_from="+4930555020")
    return ApiClient(client, key, business)
