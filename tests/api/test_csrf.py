"""The API authenticates with bearer keys, not cookies, so the web app's CSRF check skips it."""

from __future__ import annotations

import pytest


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


def test_api_writes_need_no_csrf_token(app, api):
    assert app.config["WTF_CSRF_ENABLED"] is True

    created = api.post("/customers", json={"name": "Jane", "phone": "+4915112345678"})
    changed = api.patch("/business", json={"sms_confirmation_always": True})

    assert created.status_code == 201, created.get_data(as_text=True)
    assert changed.status_code == 200, changed.get_data(as_text=True)
    assert changed.get_json()["sms_confirmation_always"] is True
