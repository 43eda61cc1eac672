"""The business's outgoing webhook endpoints: registering a URL (http(s), and unless the
server allows private ones, a host that resolves only to public addresses), choosing the
events it takes, switching it off, deleting it, and its Standard Webhooks secret, made and
rotated here. Functions flush; the caller commits."""

from __future__ import annotations

import base64
import secrets

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.errors import DomainError, refuse_problem
from bot.models import Business, WebhookDelivery, WebhookEndpoint
from bot.safe_values import UnsafeUrl, check_called_url, line_problem
from bot.services.commands import WebhookEndpointChanges, value_or
from bot.services.lookup import owned_row
from outbound.policy.vocabulary import WebhookDeliveryStatus, WebhookEvent
from outbound.webhook_events import forget_endpoints

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 24
MAX_URL_LENGTH = 500  # the column's width
EVENT_TYPES = tuple(event.value for event in WebhookEvent)
PRIVATE_URL_HINT = "set ALLOW_PRIVATE_WEBHOOK_URLS for private endpoints"


def new_secret() -> str:
    """A fresh signing secret: "whsec_" and the base64 of 24 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def create_endpoint(
    session: Session,
    business: Business,
    data: WebhookEndpointChanges,
    *,
    allow_private_urls: bool = False,
) -> WebhookEndpoint:
    """Register an endpoint {url, events?, enabled?} with a new secret.

    `allow_private_urls` is the server's ALLOW_PRIVATE_WEBHOOK_URLS. Raises
    DomainError naming the field: url missing, not http(s), private or
    unresolvable (codes unsafe_url, private_address, unresolvable_host); an
    unknown event type."""
    url = value_or(data.url, None)
    if url is None:
        raise DomainError("url is required", code="required", field="url")
    endpoint = WebhookEndpoint(
        business_id=business.id,
        url=checked_url(url, allow_private=allow_private_urls),
        events=checked_events(value_or(data.events, None)),
        secret=new_secret(),
        enabled=_enabled(value_or(data.enabled, True)),
    )
    session.add(endpoint)
    session.flush()
    forget_endpoints(session)
    return endpoint


def update_endpoint(
    session: Session,
    endpoint: WebhookEndpoint,
    changes: WebhookEndpointChanges,
    *,
    allow_private_urls: bool = False,
) -> WebhookEndpoint:
    """Change an endpoint's url, events or enabled; deliveries already written keep going
    to the endpoint as it is when they are sent."""
    if changes.has("url"):
        if changes.url is None:
            raise DomainError("url cannot be cleared", code="required", field="url")
        endpoint.url = checked_url(changes.url, allow_private=allow_private_urls)
    if changes.has("events"):
        endpoint.events = checked_events(changes.events)
    if changes.has("enabled"):
        endpoint.enabled = _enabled(changes.enabled)
    session.flush()
    forget_endpoints(session)
    return endpoint


def rotate_secret(session: Session, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Give the endpoint a new secret; every try from now on is signed with it."""
    endpoint.secret = new_secret()
    session.flush()
    return endpoint


def delete_endpoint(session: Session, endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint and its deliveries (their history goes with it)."""
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    session.delete(endpoint)
    session.flush()
    forget_endpoints(session)


def get_endpoint(session: Session, business: Business, endpoint_id: int) -> WebhookEndpoint:
    """The business's endpoint `endpoint_id`; NotFound (field endpoint_id) otherwise."""
    return owned_row(
        session,
        business,
        WebhookEndpoint,
        endpoint_id,
        label="webhook endpoint",
        field="endpoint_id",
    )


def checked_url(url: str, *, allow_private: bool) -> str:
    """`url` when the server may call it; DomainError (field url) naming the reason."""
    if len(url) > MAX_URL_LENGTH:
        raise DomainError(f"url is too long (at most {MAX_URL_LENGTH} characters)", field="url")
    refuse_problem("url", line_problem(url))
    try:
        check_called_url(url, allow_private=allow_private)
    except UnsafeUrl as error:
        hint = f" ({PRIVATE_URL_HINT})" if error.code == "private_address" else ""
        raise DomainError(
            f"url must be a public http(s) address; {error.reason}{hint}",
            code=error.code if error.code != "invalid" else "unsafe_url",
            field="url",
        ) from error
    return url


def checked_events(events: list[str] | None) -> list[str]:
    """The event types, each once in the order given; [] (or None) takes every event.
    DomainError (field events) for one that is not an event type."""
    chosen: list[str] = []
    for event in events or ():
        if event not in EVENT_TYPES:
            raise DomainError(
                f"{event!r} is not an event type; choose from {', '.join(EVENT_TYPES)}",
                code="unknown_event",
                field="events",
                params={"event": event},
            )
        if event not in chosen:
            chosen.append(event)
    return chosen


def _enabled(value: bool | None) -> bool:
    if not isinstance(value, bool):
        raise DomainError("enabled must be true or false", field="enabled")
    return value


# --- what the owner's pages show -------------------------------------------------


def list_endpoints(session: Session, business: Business) -> list[WebhookEndpoint]:
    """The business's endpoints, oldest first."""
    return list(
        session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.business_id == business.id)
            .order_by(WebhookEndpoint.id)
        )
    )


def last_deliveries(
    session: Session, endpoints: list[WebhookEndpoint]
) -> dict[int, WebhookDelivery]:
    """Each endpoint's newest delivery, by endpoint id (none for one without any)."""
    newest = (
        select(func.max(WebhookDelivery.id))
        .where(WebhookDelivery.endpoint_id.in_([endpoint.id for endpoint in endpoints]))
        .group_by(WebhookDelivery.endpoint_id)
    )
    rows = session.scalars(select(WebhookDelivery).where(WebhookDelivery.id.in_(newest)))
    return {delivery.endpoint_id: delivery for delivery in rows}


def delivery_counts(
    session: Session, endpoints: list[WebhookEndpoint]
) -> dict[int, dict[WebhookDeliveryStatus, int]]:
    """How many deliveries each endpoint has in each status, by endpoint id."""
    rows = session.execute(
        select(WebhookDelivery.endpoint_id, WebhookDelivery.status, func.count())
        .where(WebhookDelivery.endpoint_id.in_([endpoint.id for endpoint in endpoints]))
        .group_by(WebhookDelivery.endpoint_id, WebhookDelivery.status)
    )
    counts: dict[int, dict[WebhookDeliveryStatus, int]] = {}
    for endpoint_id, status, count in rows:
        counts.setdefault(endpoint_id, {})[status] = count
    return counts


def recent_deliveries(
    session: Session, endpoint: WebhookEndpoint, *, offset: int = 0, limit: int = 50
) -> tuple[list[WebhookDelivery], bool]:
    """The endpoint's deliveries, newest first, from `offset`: at most `limit`, and
    whether there are more."""
    rows = list(
        session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id)
            .order_by(WebhookDelivery.id.desc())
            .offset(offset)
            .limit(limit + 1)
        )
    )
    return rows[:limit], len(rows) > limit
