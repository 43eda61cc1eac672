"""Fixtures for the REST API tests: an API client of a second, unrelated business (the
first business's, `api`, is a fixture of the whole suite)."""

from __future__ import annotations

import pytest

from tests.support.api import ApiClient


@pytest.fixture
def other_api(client, business_factory):
    """An API client for a second, unrelated business."""
    business, key = business_factory(name="Fahrradwerkstatt Kette", sms_from="+4930555020")
    return ApiClient(client, key, business)
