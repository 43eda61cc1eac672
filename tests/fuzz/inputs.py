"""Hostile inputs shared by the in-suite fuzz tests and `scripts/fuzz_stack.py`.

Hypothesis strategies for what Twilio posts to the two webhooks (inbound messages
and status callbacks), with the text a careless or malicious sender could put there:
digit runs far beyond Python's 4 300-digit `int()` limit, segment counts past 2**63,
control characters, any Unicode, status callbacks whose message id and SID belong
to different messages. Also a fixed list of request bodies that break JSON parsers
(deep nesting, huge numbers, invalid UTF-8, lone surrogates) for every write
operation of the API. Only well-formed Unicode is generated for the forms: a lone
surrogate cannot be encoded into a request at all.
"""

from __future__ import annotations

import string
from urllib.parse import quote

from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

INBOUND_PATH = "/webhooks/twilio/messages"
STATUS_PATH = "/webhooks/twilio/status"
SIGNATURE_HEADER = "X-Twilio-Signature"

# Any character a form can carry: every code point but the surrogates.
_ANY = st.characters(blacklist_categories=("Cs",))
_CONTROL = st.characters(min_codepoint=0, max_codepoint=31) | st.sampled_from("\x7f\x85\u2028")
_DIGITS = "0123456789"
# Decimal digits from other scripts: `int()` reads them just like 0-9.
_FOREIGN_DIGITS = "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹०१२३४५६७८९０１２３４５６７８９"
_WORDS = (
    "ja", "nein", "JA!!", "STOP", "start", "Absagen", "verschieben", "morgen 14 Uhr",
    "übermorgen um halb drei", "zwei", "dreiundzwanzigsten", "yes", "no", "cancel",
    "ok 👍", "🙂", "\u202eja", "n\u0308ein", "1.1.1970", "31.02.", "99:99",
)  # fmt: skip


def digit_run(min_size: int = 1, max_size: int = 6_000) -> st.SearchStrategy[str]:
    """A run of decimal digits, often thousands long (the tokenizer's `int()` limit is 4 300)."""
    return st.one_of(
        st.integers(min_size, max_size).map(lambda n: "9" * n),
        st.text(_DIGITS, min_size=min_size, max_size=max(min_size, 60)),
        st.text(_FOREIGN_DIGITS, min_size=min_size, max_size=max(min_size, 60)),
        st.integers(min_size, max_size).map(lambda n: "٩" * n),
    )


def hostile_text(max_pieces: int = 4) -> st.SearchStrategy[str]:
    """Message text: words the reply reader knows, numbers of any length, control
    characters and arbitrary Unicode, glued together."""
    piece = st.one_of(
        st.sampled_from(_WORDS),
        digit_run(),
        digit_run().map(lambda digits: f"Verschieben auf den {digits}. Tag"),
        st.tuples(digit_run(1, 20), digit_run(1, 20)).map(lambda hm: f"um {hm[0]}:{hm[1]} Uhr"),
        st.text(_CONTROL, min_size=1, max_size=20),
        st.text(_ANY, max_size=80),
        st.integers(1_000, 7_000).map(lambda n: "x" * n),
    )
    return st.lists(piece, min_size=0, max_size=max_pieces).map(" ".join)


def _integer_text() -> st.SearchStrategy[str]:
    """What Twilio sends as a number, and what an attacker could send instead."""
    return st.one_of(
        st.integers(-5, 20).map(str),
        st.sampled_from([str(2**31), str(2**63 - 1), str(2**63), str(2**64), "-" + str(2**63)]),
        st.integers(-(2**80), 2**80).map(str),
        digit_run(300, 6_000),
        st.sampled_from(["", " 1", "1 ", "1.0", "1e9", "0x10", "NaN", "inf", "١", "+1", "1_000"]),
        st.text(_ANY, max_size=12),
    )


def _sid(prefix: str = "SM") -> st.SearchStrategy[str]:
    return st.one_of(
        st.uuids().map(lambda u: prefix + u.hex),
        st.text(string.ascii_letters + string.digits, min_size=1, max_size=70),
        st.text(_ANY, max_size=80),
    )


def _address(known: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(known),
        st.sampled_from(known).map(lambda number: "whatsapp:" + number),
        st.from_regex(r"\+?[0-9]{1,30}", fullmatch=True),
        st.from_regex(r"(whatsapp|messenger|sms|tel):[+0-9a-z]{0,30}", fullmatch=True),
        st.text(_ANY, max_size=250),
    )


def inbound_forms(senders: list[str], receivers: list[str]) -> st.SearchStrategy[dict]:
    """The form of Twilio's inbound-message webhook: mostly a known customer writing to
    a known business number, with hostile text and numbers, sometimes a field missing."""
    required = {
        "MessageSid": _sid(),
        "AccountSid": _sid("AC"),
        "From": st.one_of(st.sampled_from(senders), _address(senders)),
        "To": st.one_of(st.sampled_from(receivers), _address(receivers)),
        "Body": hostile_text(),
        "NumSegments": _integer_text(),
        "NumMedia": _integer_text(),
    }
    optional = {
        "SmsStatus": st.sampled_from(["received", "receiving", ""]) | st.text(_ANY, max_size=20),
        "ApiVersion": st.just("2010-04-01"),
        "OptOutType": st.sampled_from(["STOP", "START", "HELP", ""]) | st.text(_ANY, max_size=20),
        "MessagingServiceSid": _sid("MG"),
        "MediaUrl0": st.text(_ANY, max_size=200),
        "ProfileName": hostile_text(2),
        "FromCountry": st.text(_ANY, max_size=10),
    }
    forms = st.fixed_dictionaries(required, optional=optional)
    dropped = st.sampled_from([None, None, None, "MessageSid", "From", "To", "Body"])
    return st.tuples(forms, dropped).map(
        lambda pair: {k: v for k, v in pair[0].items() if k != pair[1]}
    )


MESSAGE_STATUSES = (
    "accepted", "scheduled", "canceled", "queued", "sending", "sent", "failed", "delivered",
    "undelivered", "receiving", "received", "read", "partially_delivered",
)  # fmt: skip


def status_callbacks(
    message_ids: list[int], sids: list[str]
) -> st.SearchStrategy[tuple[str, dict]]:
    """A status callback as `(path with query, form)`: the `message` query names one of
    `message_ids` (or a number out of range, or junk) and `MessageSid` one of `sids`
    (or a new one), so ids and SIDs of different messages meet."""
    query_value = st.one_of(
        st.sampled_from(message_ids or [1]).map(str),
        st.integers(-(2**70), 2**70).map(str),
        st.text(string.ascii_letters + string.digits + "-_.", max_size=20),
    )
    path = st.one_of(
        st.just(STATUS_PATH),
        query_value.map(lambda value: f"{STATUS_PATH}?message={quote(value)}"),
    )
    form = st.fixed_dictionaries(
        {
            "MessageSid": st.one_of(st.sampled_from(sids or ["SM" + "0" * 32]), _sid()),
            "MessageStatus": st.sampled_from(MESSAGE_STATUSES) | st.text(_ANY, max_size=40),
        },
        optional={
            "ErrorCode": st.one_of(st.sampled_from(["21610", "63016", "30003"]), _integer_text()),
            "AccountSid": _sid("AC"),
            "SmsStatus": st.sampled_from(MESSAGE_STATUSES),
            "ApiVersion": st.just("2010-04-01"),
        },
    )
    return st.tuples(path, form)


def known_inbound_forms(sender: str, receiver: str) -> list[dict]:
    """Fixed inbound texts that crashed the reply path before, sent by both fuzzers on
    every run whatever the generators draw: the report's 5 000-digit number and
    `NumSegments` = 2**63, and digit runs long enough to overflow a float."""
    base = {
        "MessageSid": "SM" + "4b" * 16,
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "To": receiver,
        "Body": "ja",
        "NumSegments": "1",
        "NumMedia": "0",
    }
    return [
        {**base, "Body": "Verschieben auf den " + "9" * 5_000 + ". Tag"},
        {**base, "Body": "in " + "9" * 400 + " Tagen"},
        {**base, "Body": "9" * 900},
        {**base, "Body": "٩" * 512},  # Arabic-Indic digits
        {**base, "NumSegments": str(2**63)},
        {**base, "NumSegments": str(2**80)},
        {**base, "NumMedia": str(2**63)},
        {**base, "Body": "x" * 1_601},
        {**base, "From": sender + "-" * 150},  # longer than the address columns (PostgreSQL)
        {**base, "Body": "ja\x00"},  # PostgreSQL cannot store a NUL
    ]


def known_status_callbacks(waiting_id: int, other_sid: str) -> list[tuple[str, dict]]:
    """Fixed status callbacks that crashed before: the id of a message still waiting
    for its SID paired with another message's SID, ids beyond SQLite's integers, and
    an error code longer than its column."""
    return [
        (f"{STATUS_PATH}?message={waiting_id}", {"MessageSid": other_sid, "MessageStatus": "sent"}),
        (
            f"{STATUS_PATH}?message={-(2**70)}",
            {"MessageSid": "SM" + "7" * 32, "MessageStatus": "sent"},
        ),
        (
            f"{STATUS_PATH}?message={2**63}",
            {"MessageSid": "SM" + "8" * 32, "MessageStatus": "sent"},
        ),
        (  # beyond PostgreSQL's integer, within SQLite's
            f"{STATUS_PATH}?message={10**10}",
            {"MessageSid": "SM" + "6" * 32, "MessageStatus": "queued"},
        ),
        (  # an error code longer than its column (PostgreSQL)
            f"{STATUS_PATH}?message={waiting_id}",
            {"MessageSid": "SM" + "9" * 32, "MessageStatus": "undelivered", "ErrorCode": "3" * 20},
        ),
    ]


def signature(token: str, url: str, form: dict) -> str:
    """`X-Twilio-Signature` for a POST of `form` to `url`, computed the way Twilio does."""
    return RequestValidator(token).compute_signature(url, form)


def _nested(opening: bytes, closing: bytes, depth: int, core: bytes = b"") -> bytes:
    return opening * depth + core + closing * depth


# Request bodies that break naive JSON handling; each is sent with
# `Content-Type: application/json` to every operation that takes a body.
HOSTILE_JSON_BODIES: dict[str, bytes] = {
    "array nested 100 000 deep": _nested(b"[", b"]", 100_000),
    "object nested 50 000 deep": _nested(b'{"a":', b"}", 50_000, b"1"),
    "object nested 1 000 deep": _nested(b'{"a":', b"}", 1_000, b"1"),
    "integer of 5 001 digits": b'{"name": ' + b"9" * 5_001 + b"}",
    "negative integer of 5 001 digits": b'{"duration_minutes": -' + b"1" * 5_001 + b"}",
    "integer of 5 001 digits in a list": b'{"ids": [' + b"7" * 5_001 + b"]}",
    "float with 5 000-digit mantissa": b'{"duration_minutes": 1' + b"0" * 5_000 + b".5}",
    "exponent out of range": b'{"duration_minutes": 1e999999}',
    "NaN": b'{"duration_minutes": NaN, "name": NaN}',
    "Infinity": b'{"duration_minutes": -Infinity}',
    "invalid UTF-8": b'{"name": "\xff\xfe\xc3"}',
    "UTF-16 with BOM": '{"name": "x"}'.encode("utf-16"),
    "lone surrogate": b'{"name": "\\ud800", "body": "\\udfff"}',
    "NUL character": b'{"name": "a\\u0000b", "body": "\\u0000"}',
    "truncated": b'{"name": "x", ',
    "empty": b"",
    "top-level array": b"[1, 2, 3]",
    "top-level string": b'"name"',
    "null": b"null",
    "20 000-item list": b'{"ids": [' + b",".join([b"1"] * 20_000) + b"]}",
    "1 000 keys": b"{" + b",".join(b'"k%d": 1' % i for i in range(1_000)) + b"}",
    "1 MB string": b'{"name": "' + b"a" * 1_000_000 + b'"}',
    "duplicate keys": b'{"name": "a", "name": {"x": [1]}}',
}

# Too slow for the suite's short run on today's code (seconds per request), sent by
# the long run only.
LONG_RUN_JSON_BODIES: dict[str, bytes] = {
    "50 000 keys": b"{" + b",".join(b'"k%d": 1' % i for i in range(50_000)) + b"}",
    "200 000-item list": b'{"ids": [' + b",".join([b"1"] * 200_000) + b"]}",
    "object nested 100 000 deep": _nested(b'{"a":', b"}", 100_000, b"1"),
}

# An empty body is read as "no fields": a PATCH then changes nothing and answers 200.
MAY_SUCCEED = {"empty"}
