"""Idempotency keys for the API's POSTs: which keys are well formed, the fingerprint of the
request a key came with, and what a request sent with a key gets, over `IdempotencyKey`
rows: a fresh claim on the key (its work runs), the answer stored for it (a retry), or a
refusal (the key was used for another request). Keys count for 24 hours, per business."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.errors import Conflict, DomainError
from bot.models import Business, IdempotencyKey
from bot.models.idempotency import MAX_IDEMPOTENCY_KEY_LENGTH

# How long a key holds its answer; an older key counts as new, and the clock prunes it.
IDEMPOTENCY_WINDOW = timedelta(hours=24)
# What a retry gets once the data its answer held was erased (a customer's, GDPR Art. 17):
# the request is not run again, and the answer says why it is gone, in the API's error shape.
ERASED_ANSWER_STATUS = 410
ERASED_ANSWER_BODY = json.dumps(
    {
        "error": {
            "code": "answer_erased",
            "message": "the answer to this request held personal data that has since been "
            "erased; the request is not run again",
            "field": None,
        }
    }
)
# Visible ASCII, no spaces: a UUID, a hash, "order-4711-create" all fit.
_WELL_FORMED_KEY = re.compile(rf"[!-~]{{1,{MAX_IDEMPOTENCY_KEY_LENGTH}}}")


class InvalidIdempotencyKey(DomainError):
    """An `Idempotency-Key` that is empty, too long or not visible ASCII."""

    status = 400

    def __init__(self):
        super().__init__(
            f"the Idempotency-Key header must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} visible "
            "ASCII characters without spaces, e.g. a UUID",
            code="invalid_idempotency_key",
        )


class IdempotencyKeyReused(DomainError):
    """A key sent again with another method, path or body than its first request."""

    def __init__(self):
        super().__init__(
            "this Idempotency-Key was used in the last 24 hours for another request (another "
            "path or body); send a new key with each new request",
            code="idempotency_key_reused",
        )


class IdempotencyKeyInUse(Conflict):
    """A key whose first request has not finished (or vanished while this one waited)."""

    def __init__(self):
        super().__init__(
            "a request with this Idempotency-Key is still being processed; try again shortly",
            code="idempotency_key_in_use",
        )


@dataclass(frozen=True)
class KeyedRequest:
    """A request sent with an idempotency key: the key and what identifies the request."""

    key: str
    method: str
    path: str
    body_sha256: str
    # The SHA-256 of the body's bytes: what keys stored before bodies counted by their
    # canonical JSON hold, so a retry of such a request still replays within its window.
    raw_body_sha256: str = ""

    @classmethod
    def of(cls, key: str, method: str, path: str, body: bytes) -> KeyedRequest:
        """The keyed request; raises InvalidIdempotencyKey for a malformed key. The body
        counts by its `body_fingerprint`."""
        if not _WELL_FORMED_KEY.fullmatch(key):
            raise InvalidIdempotencyKey()
        raw = hashlib.sha256(body).hexdigest()
        return cls(key, method.upper(), path, body_fingerprint(body), raw)

    def same_as(self, row: IdempotencyKey) -> bool:
        """Whether `row` was stored for this request: the same method, path and body."""
        return (row.method, row.path) == (self.method, self.path) and row.body_sha256 in (
            self.body_sha256,
            self.raw_body_sha256,
        )


def body_fingerprint(body: bytes) -> str:
    """The SHA-256 (hex) that tells whether two bodies are the same request. A JSON body
    counts by its canonical form (parsed, keys sorted, no whitespace between tokens), so a
    retry that serializes the same JSON with another key order or spacing is the same
    request; values stay as parsed, so `1` and `1.0`, or `"1"` and `1`, differ. A body that
    is not JSON (or is empty) counts byte for byte."""
    try:
        canonical = json.dumps(
            json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode("utf-8", "surrogatepass")  # a lone surrogate too ("\ud800" in JSON)
    except (ValueError, RecursionError):  # not JSON, or nested past what Python parses
        canonical = body
    return hashlib.sha256(canonical).hexdigest()


@dataclass(frozen=True)
class StoredAnswer:
    """The answer a key's first request got, to be sent again."""

    status: int
    body: str
    location: str | None


def claim_key(
    session: Session, business: Business, request: KeyedRequest, *, now: datetime
) -> IdempotencyKey | StoredAnswer:
    """Claim `request.key` for `business` in the session's transaction, or find its answer.

    Returns the stored answer when the key was used for this same request within the
    window; raises IdempotencyKeyReused when it was used for another. Otherwise adds and
    flushes a row for the key (an older one is replaced) and returns it: the caller does the
    work, `record_answer`s it and commits, all in this transaction. The unique (business,
    key) decides between concurrent claims: the database holds the later one's insert until
    the first transaction ends, and then this either finds the first's answer or, if that
    rolled back, owns the key. Call it before the transaction writes anything of its own: a
    lost race rolls the transaction back.
    """
    existing = _find(session, business, request.key)
    if existing is not None:
        if existing.created_at > now - IDEMPOTENCY_WINDOW:
            return _answer_for(existing, request)
        session.delete(existing)
        session.flush()  # before the insert: a unit of work inserts before it deletes
    claim = IdempotencyKey(
        business_id=business.id,
        key=request.key,
        method=request.method,
        path=request.path,
        body_sha256=request.body_sha256,
        created_at=now,
    )
    session.add(claim)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        first = _find(session, business, request.key)
        if first is None:
            raise IdempotencyKeyInUse() from None
        return _answer_for(first, request)
    return claim


def record_answer(
    claim: IdempotencyKey, *, status: int, body: str, location: str | None = None
) -> None:
    """Keep the answer the claimed request got, for its retries."""
    claim.response_status = status
    claim.response_body = body
    claim.response_location = location


def erase_answers(
    session: Session, business: Business, holds: Callable[[str, object], bool]
) -> int:
    """Replace the business's stored answers for which `holds(path, answer)` is true (the
    answer's parsed JSON) with ERASED_ANSWER_STATUS and its body; returns how many. The key
    stays claimed, so a retry is answered, not run again."""
    erased = 0
    rows = session.scalars(
        select(IdempotencyKey).where(
            IdempotencyKey.business_id == business.id,
            IdempotencyKey.response_body.is_not(None),
            IdempotencyKey.response_status != ERASED_ANSWER_STATUS,
        )
    )
    for row in rows:
        try:
            answer = json.loads(row.response_body)
        except ValueError:
            answer = row.response_body
        if holds(row.path, answer):
            record_answer(row, status=ERASED_ANSWER_STATUS, body=ERASED_ANSWER_BODY)
            erased += 1
    return erased


def prune_expired_keys(session: Session, *, now: datetime) -> int:
    """Delete the keys older than the window; returns how many."""
    result = session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at <= now - IDEMPOTENCY_WINDOW)
    )
    return result.rowcount


def _find(session: Session, business: Business, key: str) -> IdempotencyKey | None:
    return session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.business_id == business.id, IdempotencyKey.key == key
        )
    )


def _answer_for(row: IdempotencyKey, request: KeyedRequest) -> StoredAnswer:
    if not request.same_as(row):
        raise IdempotencyKeyReused()
    if row.response_status is None:
        raise IdempotencyKeyInUse()  # only the claiming transaction sees a row without one
    return StoredAnswer(row.response_status, row.response_body or "", row.response_location)
