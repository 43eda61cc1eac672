"""With real Twilio the web app has no phone simulator: staff could otherwise
fabricate customer texts that act on real appointments and reach real phones."""

import pytest

from tests.support.web import STAFF_EMAIL, STAFF_PASSWORD


@pytest.fixture
def app_config(app_config):
    return {**app_config, "SMS_TRANSPORT": "twilio"}


def test_the_simulator_is_not_there_with_real_twilio(logged_in):
    assert logged_in.get("/simulator").status_code == 404
    assert logged_in.get("/simulator/customers/1/feed.json").status_code == 404


def test_home_shows_how_to_connect_twilio(logged_in, business):
    assert logged_in.get("/").headers["Location"] == "/inbox"
    page = logged_in.get("/setup")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert business.name in text
    assert "https://replydesk.test/webhooks/twilio/messages" in text
    assert "Phone simulator" not in text


def test_login_still_works(client, staff):
    response = client.post("/login", data={"email": STAFF_EMAIL, "password": STAFF_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
