"""Sending one outgoing webhook delivery: claim the row under a lease (so of two jobs for it
only one sends), check the endpoint's URL again, POST the body signed on the Standard Webhooks
scheme to an address that check returned (`outbound.pinned_http`), and write down the answer:
succeeded on a 2xx, else the next try (after `outbound.policy.webhook_retries`) or failed.
Also finds the deliveries whose next try is due or whose job was lost, for the dispatcher
tick."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import requests
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session
from standardwebhooks.webhooks import Webhook

from bot.models import WebhookDelivery, WebhookEndpoint
from bot.safe_values import IPAddress, UnsafeUrl, check_called_url
from outbound import pinned_http
from outbound.policy.vocabulary import WebhookDeliveryStatus
from outbound.policy.webhook_retries import retry_delay
from outbound.queueing import wake_dispatcher

REQUEST_TIMEOUT_SECONDS = 5
# How long a try holds its row: longer than the request's timeouts (connect and read).
DELIVERY_LEASE = timedelta(minutes=2)
# A delivery never tried this long after it was written lost its job (Redis was away).
LOST_JOB_AGE = timedelta(minutes=2)
SWEEP_LIMIT = 200
ERROR_LENGTH = 500
USER_AGENT = "ReplyDesk-Webhooks/1"

log = logging.getLogger(__name__)


def deliver_now(
    session: Session, delivery_id: int, *, now: datetime, config: Mapping[str, Any]
) -> str:
    """Try the delivery once if it is due at `now`; returns its status afterwards.

    Safe to run twice: a delivery another job holds, or whose next try lies ahead,
    is left alone. Commits the claim before the request and the result after it, so
    no transaction is open while the network is."""
    if not _claim(session, delivery_id, now):
        session.rollback()
        status = session.scalar(
            select(WebhookDelivery.status).where(WebhookDelivery.id == delivery_id)
        )
        return "gone" if status is None else status.value
    session.commit()
    delivery = session.get(WebhookDelivery, delivery_id)
    endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
    if not endpoint.enabled:
        return _fail(session, delivery, "the endpoint is switched off")
    try:
        addresses = check_called_url(
            endpoint.url, allow_private=config["ALLOW_PRIVATE_WEBHOOK_URLS"]
        )
    except UnsafeUrl as error:
        if error.code == "unresolvable_host":
            return _retry(session, delivery, None, error.reason, now, config)
        return _fail(session, delivery, f"the URL is refused: {error.reason}")
    body, headers = signed_request(delivery, endpoint.secret, now)
    session.commit()  # nothing open while the receiver takes its time
    try:
        status_code = _post(endpoint.url, addresses, body, headers)
    except requests.RequestException as error:
        return _retry(
            session, delivery, None, _short(f"{type(error).__name__}: {error}"), now, config
        )
    if 200 <= status_code < 300:
        delivery.status = WebhookDeliveryStatus.SUCCEEDED
        delivery.last_status_code = status_code
        delivery.last_error = None
        delivery.next_attempt_at = None
        delivery.delivered_at = now
        session.commit()
        return delivery.status.value
    reason = f"answered {status_code}"
    return _retry(session, delivery, status_code, reason, now, config)


def _post(url: str, addresses: tuple[IPAddress, ...], body: bytes, headers: dict[str, str]) -> int:
    """POST one try and return the answer's status code. It connects only to the addresses
    the check of this try returned (`pinned_http`), so a name whose DNS answer changed since
    (DNS rebinding) still reaches a checked address. With ALLOW_PRIVATE_WEBHOOK_URLS the
    check resolved nothing, and the name is resolved when connecting, as any client does."""
    if addresses:
        return pinned_http.post(
            url, addresses, body=body, headers=headers, timeout=REQUEST_TIMEOUT_SECONDS
        )
    response = requests.post(
        url,
        data=body,
        headers=headers,
        timeout=REQUEST_TIMEOUT_SECONDS,
        allow_redirects=False,  # a redirect could lead to a host never checked
        stream=True,  # only the status counts: the receiver's body is never read
    )
    response.close()
    return response.status_code


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


def _claim(session: Session, delivery_id: int, now: datetime) -> bool:
    """Take the delivery for one try: count the attempt and hold it for DELIVERY_LEASE."""
    claimed = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == WebhookDeliveryStatus.PENDING,
            or_(WebhookDelivery.next_attempt_at.is_(None), WebhookDelivery.next_attempt_at <= now),
        )
        .values(attempts=WebhookDelivery.attempts + 1, next_attempt_at=now + DELIVERY_LEASE)
        .execution_options(synchronize_session=False)
    )
    return claimed.rowcount == 1


def _retry(
    session: Session,
    delivery: WebhookDelivery,
    status_code: int | None,
    reason: str,
    now: datetime,
    config: Mapping[str, Any],
) -> str:
    delivery.last_status_code = status_code
    delay = retry_delay(delivery.attempts)
    if delay is None:
        return _fail(session, delivery, f"gave up after {delivery.attempts} tries: {reason}")
    delivery.last_error = _short(reason)
    delivery.next_attempt_at = now + delay
    wake_dispatcher(session, config["REDIS_URL"], delivery.next_attempt_at)
    session.commit()
    log.warning("webhook delivery %s: try %s %s", delivery.id, delivery.attempts, reason)
    return delivery.status.value


def _fail(session: Session, delivery: WebhookDelivery, reason: str) -> str:
    delivery.status = WebhookDeliveryStatus.FAILED
    delivery.last_error = _short(reason)
    delivery.next_attempt_at = None
    session.commit()
    log.warning("webhook delivery %s failed: %s", delivery.id, reason)
    return delivery.status.value


def _short(text: str) -> str:
    return text if len(text) <= ERROR_LENGTH else text[: ERROR_LENGTH - 1] + "…"
