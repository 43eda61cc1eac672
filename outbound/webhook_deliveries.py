"""Sending one outgoing webhook delivery: claim the row under a lease (so of two jobs for it
only one sends), check the endpoint's URL again, POST the body signed on the Standard Webhooks
scheme to an address that check returned (`outbound.pinned_http`), within a deadline well
inside the lease (`outbound.http_deadline`), and write down the answer: succeeded on a 2xx,
else the next try (after `outbound.policy.webhook_retries`) or failed. The answer is written
only while the row is still this try's (pending, with the attempt count it claimed): a try
that outlived its lease, whose row another try took over, or whose delivery was deleted
meanwhile, leaves the row as it is. Also finds the deliveries whose next try is due or whose
job was lost, for the dispatcher tick."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session
from standardwebhooks.webhooks import Webhook

from bot.models import WebhookDelivery, WebhookEndpoint
from bot.safe_values import IPAddress, UnsafeUrl, check_called_url
from outbound import http_deadline, pinned_http
from outbound.policy.vocabulary import WebhookDeliveryStatus
from outbound.policy.webhook_retries import retry_delay
from outbound.queueing import wake_dispatcher

# Each wait for the receiver (to connect, for the next bytes of its answer).
REQUEST_TIMEOUT_SECONDS = 5
# The whole try, from the first connection to the end of the answer's headers.
TRY_DEADLINE_SECONDS = 30
# How long a try holds its row: well beyond a try's deadline.
DELIVERY_LEASE = timedelta(minutes=2)
# A delivery never tried this long after it was written lost its job (Redis was away).
LOST_JOB_AGE = timedelta(minutes=2)
SWEEP_LIMIT = 200
ERROR_LENGTH = 500
USER_AGENT = "ReplyDesk-Webhooks/1"
GONE = "gone"  # what a job answers for a delivery deleted (with its endpoint)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TryOutcome:
    """What one try came to: the receiver's 2xx (`delivered`), or why it did not go through,
    to be tried again while tries are left, or (`final`) failed for good at once."""

    delivered: bool
    status_code: int | None = None
    reason: str = ""
    final: bool = False


def deliver_now(
    session: Session, delivery_id: int, *, now: datetime, config: Mapping[str, Any]
) -> str:
    """Try the delivery once if it is due at `now`; returns its status afterwards ("gone"
    for a deleted one).

    Safe to run twice: a delivery another job holds, or whose next try lies ahead,
    is left alone. Commits the claim before the request and the result after it, so
    no transaction is open while the network is. Never raises for a row that changed
    under the try (taken over, deleted): that is logged, and the row is left as it is."""
    attempt = _claim(session, delivery_id, now)
    if attempt is None:
        session.rollback()
        return _status(session, delivery_id)
    session.commit()
    outcome = _try(session, delivery_id, now, config)
    if outcome is None:
        log.info("webhook delivery %s: deleted during try %s", delivery_id, attempt)
        return GONE
    return _write_outcome(session, delivery_id, attempt, outcome, now, config)


def _try(
    session: Session, delivery_id: int, now: datetime, config: Mapping[str, Any]
) -> TryOutcome | None:
    """Make the claimed try; None when the delivery is gone. Writes nothing."""
    delivery = session.get(WebhookDelivery, delivery_id)
    endpoint = delivery and session.get(WebhookEndpoint, delivery.endpoint_id)
    if endpoint is None:
        session.rollback()
        return None
    if not endpoint.enabled:
        return TryOutcome(False, reason="the endpoint is switched off", final=True)
    try:
        addresses = check_called_url(
            endpoint.url, allow_private=config["ALLOW_PRIVATE_WEBHOOK_URLS"]
        )
    except UnsafeUrl as error:
        if error.code == "unresolvable_host":
            return TryOutcome(False, reason=error.reason)
        return TryOutcome(False, reason=f"the URL is refused: {error.reason}", final=True)
    url = endpoint.url
    body, headers = signed_request(delivery, endpoint.secret, now)
    session.commit()  # nothing open while the receiver takes its time
    try:
        status_code = _post(url, addresses, body, headers)
    except requests.RequestException as error:
        return TryOutcome(False, reason=f"{type(error).__name__}: {error}")
    if 200 <= status_code < 300:
        return TryOutcome(True, status_code)
    return TryOutcome(False, status_code, f"answered {status_code}")


def _post(url: str, addresses: tuple[IPAddress, ...], body: bytes, headers: dict[str, str]) -> int:
    """POST one try and return the answer's status code, within TRY_DEADLINE_SECONDS in all
    (raises http_deadline.DeadlinePassed past it). It connects only to the addresses
    the check of this try returned (`pinned_http`), so a name whose DNS answer changed since
    (DNS rebinding) still reaches a checked address. With ALLOW_PRIVATE_WEBHOOK_URLS the
    check resolved nothing, and the name is resolved when connecting, as any client does."""
    with http_deadline.within(TRY_DEADLINE_SECONDS):
        if addresses:
            return pinned_http.post(
                url, addresses, body=body, headers=headers, timeout=REQUEST_TIMEOUT_SECONDS
            )
        with http_deadline.session() as http:
            return pinned_http.post_status(
                http, url, body=body, headers=headers, timeout=REQUEST_TIMEOUT_SECONDS
            )


def signed_request(
    delivery: WebhookDelivery, secret: str, now: datetime
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of one try: the JSON body, `webhook-id` (the delivery's event
    id, the same on every try), `webhook-timestamp` (now, in Unix seconds) and
    `webhook-signature` ("v1," + base64 of HMAC-SHA256 over "id.timestamp.body")."""
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()
    signature = Webhook(secret).sign(delivery.event_id, now, body)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": delivery.event_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    return body, headers


def due_deliveries(session: Session, *, now: datetime) -> list[int]:
    """Pending deliveries that need their job (again) at `now`: their next try is due,
    the worker that held one died (its lease ran out), or one was never tried
    LOST_JOB_AGE after it was written (its job was lost). The caller enqueues their
    job unless RQ still has it waiting."""
    return list(
        session.scalars(
            select(WebhookDelivery.id)
            .where(
                WebhookDelivery.status == WebhookDeliveryStatus.PENDING,
                or_(
                    and_(
                        WebhookDelivery.next_attempt_at.is_(None),
                        WebhookDelivery.created_at < now - LOST_JOB_AGE,
                    ),
                    WebhookDelivery.next_attempt_at <= now,
                ),
            )
            .order_by(WebhookDelivery.id)
            .limit(SWEEP_LIMIT)
        )
    )


def _claim(session: Session, delivery_id: int, now: datetime) -> int | None:
    """Take the delivery for one try: count the attempt and hold it for DELIVERY_LEASE.
    Returns the attempt's number, the row's own until its outcome is written; None when
    the delivery is not due (or gone)."""
    return session.scalar(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == WebhookDeliveryStatus.PENDING,
            or_(WebhookDelivery.next_attempt_at.is_(None), WebhookDelivery.next_attempt_at <= now),
        )
        .values(attempts=WebhookDelivery.attempts + 1, next_attempt_at=now + DELIVERY_LEASE)
        .returning(WebhookDelivery.attempts)
        .execution_options(synchronize_session=False)
    )


def _write_outcome(
    session: Session,
    delivery_id: int,
    attempt: int,
    outcome: TryOutcome,
    now: datetime,
    config: Mapping[str, Any],
) -> str:
    """Write the try's outcome if the row is still this try's: pending, with the attempt
    count it claimed. Otherwise (another try took it over once the lease ran out, or it was
    deleted) the row stays as it is; returns its status then."""
    status, changes = _changes(attempt, outcome, now)
    written = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == WebhookDeliveryStatus.PENDING,
            WebhookDelivery.attempts == attempt,
        )
        .values(status=status, **changes)
        .execution_options(synchronize_session=False)
    )
    if written.rowcount != 1:
        session.rollback()
        current = _status(session, delivery_id)
        log.warning(
            "webhook delivery %s: try %s outlived its hold on the row (now %s); its "
            "outcome (%s) is dropped",
            delivery_id,
            attempt,
            current,
            "delivered" if outcome.delivered else outcome.reason,
        )
        return current
    if status == WebhookDeliveryStatus.PENDING:
        wake_dispatcher(session, config["REDIS_URL"], changes["next_attempt_at"])
    session.commit()
    if status == WebhookDeliveryStatus.FAILED:
        log.warning("webhook delivery %s failed: %s", delivery_id, changes["last_error"])
    elif status == WebhookDeliveryStatus.PENDING:
        log.warning("webhook delivery %s: try %s %s", delivery_id, attempt, outcome.reason)
    return status.value


def _changes(
    attempt: int, outcome: TryOutcome, now: datetime
) -> tuple[WebhookDeliveryStatus, dict[str, Any]]:
    """The row's status and columns after try number `attempt` came to `outcome`."""
    if outcome.delivered:
        return WebhookDeliveryStatus.SUCCEEDED, {
            "last_status_code": outcome.status_code,
            "last_error": None,
            "next_attempt_at": None,
            "delivered_at": now,
        }
    if outcome.final:
        return WebhookDeliveryStatus.FAILED, {
            "last_error": _short(outcome.reason),
            "next_attempt_at": None,
        }
    delay = retry_delay(attempt)
    if delay is None:
        return WebhookDeliveryStatus.FAILED, {
            "last_status_code": outcome.status_code,
            "last_error": _short(f"gave up after {attempt} tries: {outcome.reason}"),
            "next_attempt_at": None,
        }
    return WebhookDeliveryStatus.PENDING, {
        "last_status_code": outcome.status_code,
        "last_error": _short(outcome.reason),
        "next_attempt_at": now + delay,
    }


def _status(session: Session, delivery_id: int) -> str:
    status = session.scalar(select(WebhookDelivery.status).where(WebhookDelivery.id == delivery_id))
    return GONE if status is None else status.value


def _short(text: str) -> str:
    return text if len(text) <= ERROR_LENGTH else text[: ERROR_LENGTH - 1] + "…"
