"""The outside-world settings the test app runs with (tests/conftest.py's `app_config`):
the fake Twilio account, the public base URL the webhooks are signed for, the
business's SMS sender, and the German mobile number the test customers have."""

from __future__ import annotations

TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "test-auth-token-0123456789abcdef"
PUBLIC_BASE_URL = "https://replydesk.test"
SMS_FROM = "+4930555010"
MOBILE = "+4915112345678"  # a German mobile number, as the customers of the requirement tests have
