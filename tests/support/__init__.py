"""Plain helpers and constants the test packages share: the settings the test app runs
with, the database marks, servers started for a test, API, webhook and web-login
helpers, outbox rows, appointments booked in bulk, what the fake Twilio and SMTP sink
received, the Procfile's command lines, and the sandbox
payloads. Fixtures stay in the conftest.py files, which import from here; no test
imports a conftest module (tests/test_layout.py keeps it so)."""
