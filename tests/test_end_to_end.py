"""The whole path, with the real Procfile processes (web, worker, clock) under
honcho, a real Redis, the fake Twilio API over HTTP and the real CLI:

create a customer (phone only, SMS consent) and an appointment through the
API → the fake Twilio receives a German SMS naming the business and the time
→ a signed "ja" from the customer's number → the record shows
customer_confirmed_at → a "delivered" status callback → /usage counts one
billable SMS.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from twilio.request_validator import RequestValidator

from tests.support.servers import stop_process_group, wait_for
from tests.support.settings import TWILIO_SID, TWILIO_TOKEN

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SALON_NUMBER = "+4930555010"

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def stack(tmp_path, redis_server, fake_twilio, smtp_sink):
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.sqlite3'}",
        "REDIS_URL": redis_server.url.rsplit("/", 1)[0] + "/5",
        "PUBLIC_BASE_URL": base_url,
        "SECRET_KEY": "e2e-secret",
        "TWILIO_ACCOUNT_SID": TWILIO_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_API_BASE_URL": fake_twilio.base_url,
        "SMS_TRANSPORT": "twilio",
        "EMAIL_TRANSPORT": "smtp",
        "SMTP_URL": smtp_sink.url,
        "PYTHONUNBUFFERED": "1",
    }

    def flask(*args) -> str:
        done = subprocess.run(
            [str(BIN / "flask"), "--app", "bot", *args],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    flask("db", "upgrade")
    created = json.loads(
        flask("create-business", "--name", "Salon Sonnenschein", "--timezone", "Europe/Berlin",
              "--locale", "de", "--region", "DE", "--sms-from", SALON_NUMBER)
    )  # fmt: skip
    log = open(tmp_path / "honcho.log", "w")
    processes = subprocess.Popen(
        [str(BIN / "honcho"), "start", "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {created['api_key']}"

    def web_is_up():
        try:
            return requests.get(f"{base_url}/api/v1/openapi.json", timeout=1).ok
        except requests.RequestException:
            return False

    try:
        wait_for(web_is_up, 30, "gunicorn to answer")
        yield base_url, api
    finally:
        stop_process_group(processes)
        log.close()
        print((tmp_path / "honcho.log").read_text()[-4000:])


def signed_post(url: str, form: dict[str, str]) -> requests.Response:
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, form)
    return requests.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=10)


def test_booking_to_billable_confirmation(stack, fake_twilio):
    base_url, api = stack
    customer = api.post(
        f"{base_url}/api/v1/customers",
        json={"name": "Ursula Hoffmann", "phone": "0151 12345678", "sms_consent": True},
        timeout=10,
    )
    assert customer.status_code == 201, customer.text
    customer = customer.json()
    assert customer["phone"] == "+4915112345678"

    berlin = ZoneInfo("Europe/Berlin")
    tomorrow = (datetime.now(berlin) + timedelta(days=1)).date()
    starts_at = datetime.combine(tomorrow, datetime.min.time(), berlin).replace(hour=14)
    record = api.post(
        f"{base_url}/api/v1/records",
        json={
            "kind": "appointment",
            "customer_id": customer["id"],
            "starts_at": starts_at.isoformat(),
            "duration_minutes": 45,
            "source": "onsite",
        },
        timeout=10,
    )
    assert record.status_code == 201, record.text
    record = record.json()
    assert record["customer_confirmed_at"] is None

    # the clock's tick → the worker → the fake Twilio
    confirmation = wait_for(lambda: list(fake_twilio.messages), 40, "the confirmation SMS")[0]
    assert confirmation.to == "+4915112345678"
    assert confirmation.params["From"] == SALON_NUMBER
    assert "Salon Sonnenschein" in confirmation.body
    assert "14:00 Uhr" in confirmation.body and "Termin" in confirmation.body
    assert confirmation.params["StatusCallback"].startswith(f"{base_url}/webhooks/twilio/status?")

    reply = signed_post(
        f"{base_url}/webhooks/twilio/messages",
        {
            "MessageSid": "SM" + "e2e".ljust(32, "0"),
            "AccountSid": TWILIO_SID,
            "From": "+4915112345678",
            "To": SALON_NUMBER,
            "Body": "ja",
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        },
    )
    assert reply.status_code == 200, reply.text
    assert reply.headers["Content-Type"].startswith("text/xml")

    confirmed = api.get(f"{base_url}/api/v1/records/{record['id']}", timeout=10).json()
    assert confirmed["customer_confirmed_at"] is not None

    # the bot's short answer goes out through the worker too
    answer = wait_for(lambda: fake_twilio.messages[1:], 30, "the bot's reply")[0]
    assert answer.to == "+4915112345678" and "bestätigt" in answer.body

    callback = signed_post(
        confirmation.params["StatusCallback"],  # where Twilio reports, signed over that URL
        {
            "MessageSid": confirmation.sid,
            "MessageStatus": "delivered",
            "AccountSid": TWILIO_SID,
            "From": SALON_NUMBER,
            "To": "+4915112345678",
            "ApiVersion": "2010-04-01",
        },
    )
    assert callback.status_code in (200, 204), callback.text

    month = datetime.now(berlin).strftime("%Y-%m")

    def usage() -> dict:
        return api.get(f"{base_url}/api/v1/usage", params={"month": month}, timeout=10).json()

    # the worker stores Twilio's answer for the reply a moment after Twilio has it
    counted = wait_for(lambda: (u := usage())["sms_sent"] == 2 and u, 10, "the reply recorded")
    assert counted["sms_delivered"] == 1
    # the delivered confirmation's parts: two when it still carries the cancel link
    # (more than the 24-hour window ahead, R1.11), else one
    expected = 2 if "Absagen: http" in confirmation.body else 1
    assert counted["sms_billable_segments"] == expected == int(confirmation.num_segments)
