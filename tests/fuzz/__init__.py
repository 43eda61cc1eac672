"""Fuzzing: generated and hostile inputs against the API and the Twilio webhooks.

The short runs here are part of `make test` (schemathesis over every operation of
/api/v1/openapi.json, hypothesis over signed webhook forms, a fixed list of hostile
JSON bodies on every write operation); `scripts/fuzz_stack.py` sends the same kinds
of input, by the thousand, to the real processes. Both hold the service to one
rule: no 5xx for any input, and every 4xx in the API's error shape.
"""
