"""Plain helpers and constants the test packages share: the settings the test app runs
with, the database marks, servers started for a test, API, webhook and web-login
helpers, outbox rows, what the fake Twilio and SMTP sink received, and the sandbox
payloads. Fixtures stay in the conftest.py files, which import from here; no test
imports a conftest module (tests/test_layout.py keeps it so)."""
