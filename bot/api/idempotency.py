"""`Idempotency-Key` on every POST under /api/v1: the hooks each resource blueprint runs
around its views, which answer a retry with the first request's stored answer and keep a
successful answer in the same transaction as the work, and the header as the OpenAPI
document publishes it."""

from __future__ import annotations

import json
from http import HTTPStatus

from flask import Response, current_app, request

from bot.api.auth import current_business
from bot.extensions import db, hold_commits, release_commits
from bot.models import IdempotencyKey, utcnow
from bot.models.idempotency import MAX_IDEMPOTENCY_KEY_LENGTH
from bot.services.idempotency import KeyedRequest, StoredAnswer, claim_key, record_answer

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
PARAMETER_COMPONENT = "IdempotencyKey"
PARAMETER_SPEC = {
    "name": HEADER,
    "required": False,
    "description": (
        "Makes the POST safe to retry: the same key with the same body within 24 hours "
        "answers the first request's status and body again (with `Idempotent-Replayed: "
        "true`) instead of doing the work twice; the same key with another path or body is "
        "a 422 `idempotency_key_reused`. A JSON body counts as the same when it holds the "
        "same JSON, whatever its key order and whitespace. Keys are per business; use a "
        "new one (a UUID) for each new request. Only successful (2xx) answers are kept: a "
        "refused request changed nothing and runs again. An answer that held a customer "
        "since erased replays as a 410 `answer_erased`. A webhook endpoint's secret is "
        "never kept: its replay answers without it."
    ),
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_IDEMPOTENCY_KEY_LENGTH,
        "pattern": "^[!-~]+$",
    },
}
REPLAYED_HEADER_SPEC = {
    "description": "`true` when this is the stored answer to an earlier request with the "
    "same Idempotency-Key, sent again; absent on a first answer.",
    "schema": {"type": "string", "enum": ["true"]},
}
HEADER_COMPONENT = "IdempotentReplayed"
# Fields of an answer that are never kept for a replay: a secret is shown once, when it is
# made, and a stored copy would outlive it (a replay after a rotation would show a dead
# one). A replay answers without them; an endpoint's lost secret is replaced by rotating it.
NEVER_STORED_FIELDS = frozenset({"secret"})
# The claim this request holds, in the WSGI environ: it belongs to this request alone.
_CLAIM = "replydesk.idempotency_claim"


def begin() -> Response | None:
    """Before a POST's view: answer a retry from the stored answer, or claim the key and
    hold the view's commit until `finish` has stored the answer with the work.

    Runs after `authenticate`. Raises InvalidIdempotencyKey or IdempotencyKeyReused (4xx).
    """
    if request.method != "POST" or HEADER not in request.headers:
        return None
    keyed = KeyedRequest.of(
        request.headers[HEADER], request.method, request.path, request.get_data(cache=True)
    )
    outcome = claim_key(db.session, current_business(), keyed, now=utcnow())
    if isinstance(outcome, StoredAnswer):
        db.session.commit()  # as the view would have: the bearer key's last use is kept
        return _replay(outcome)
    request.environ[_CLAIM] = outcome
    hold_commits(db.session)
    return None


def finish(response: Response) -> Response:
    """After the view: commit a successful answer with the work, in one transaction.

    Any other answer was an error, and every error under /api/v1 has rolled the
    transaction back already (key claim included), so the key stays free for a retry.
    """
    claim: IdempotencyKey | None = request.environ.pop(_CLAIM, None)
    if claim is None:
        return response
    release_commits(db.session)
    if not 200 <= response.status_code < 300:
        db.session.rollback()
        return response
    record_answer(
        claim,
        status=response.status_code,
        body=_storable(response.get_data(as_text=True)),
        location=response.headers.get("Location"),
    )
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return response


def release(error: BaseException | None) -> None:
    """At the request's end, whatever happened: no commit stays held, no claim stays open."""
    if request.environ.pop(_CLAIM, None) is not None:
        db.session.rollback()  # the view raised past every error handler
    release_commits(db.session)


def document_key(doc: dict, doc_info: dict, *, method: str, **kwargs) -> dict:
    """flask-smorest doc callback: every POST takes the header, may answer its 4xx, and
    marks a replayed 2xx answer with `Idempotent-Replayed`."""
    if method != "post":
        return doc
    doc.setdefault("parameters", []).append(PARAMETER_COMPONENT)
    responses = doc.setdefault("responses", {})
    for status, response in responses.items():
        if str(status).startswith("2") and isinstance(response, dict):
            response.setdefault("headers", {})[REPLAYED_HEADER] = {
                "$ref": f"#/components/headers/{HEADER_COMPONENT}"
            }
    responses.setdefault(400, "BAD_REQUEST")  # a malformed key
    responses.setdefault(422, HTTPStatus(422).name)  # a key reused; its name differs by Python
    responses.setdefault(409, "CONFLICT")  # a key whose first request vanished mid-wait
    responses.setdefault(410, "GONE")  # the stored answer held a customer since erased
    return doc


def _storable(body: str) -> str:
    """The answer's body as it is kept for replays: a JSON object without the
    NEVER_STORED_FIELDS; any other body as it is."""
    try:
        answer = json.loads(body)
    except ValueError:
        return body
    if not isinstance(answer, dict) or NEVER_STORED_FIELDS.isdisjoint(answer):
        return body
    kept = {name: value for name, value in answer.items() if name not in NEVER_STORED_FIELDS}
    return current_app.json.dumps(kept)


def _replay(answer: StoredAnswer) -> Response:
    response = current_app.response_class(
        answer.body,
        status=answer.status,
        mimetype="application/json" if answer.body else None,
    )
    if answer.location:
        response.headers["Location"] = answer.location
    response.headers[REPLAYED_HEADER] = "true"
    return response
