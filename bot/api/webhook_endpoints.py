"""`/webhook-endpoints`: the URLs of the business's own system that get its events, signed
on the Standard Webhooks scheme; the secret is shown in full only when it is made (on
creation and on rotation), and each endpoint's deliveries show how each event went."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from marshmallow import fields
from marshmallow.validate import Length
from sqlalchemy import select

from bot.api.auth import current_business
from bot.api.base import list_response, resource_blueprint
from bot.api.fields import (
    MAX_ID,
    DomainChoice,
    DomainLine,
    InputSchema,
    ListQuery,
    StrictBoolean,
    items_schema,
)
from bot.extensions import db
from bot.models import WebhookDelivery, WebhookEndpoint
from bot.services import webhook_endpoints
from bot.services.commands import WebhookEndpointChanges
from bot.services.webhook_endpoints import EVENT_TYPES, MAX_URL_LENGTH
from outbound.policy.vocabulary import WebhookDeliveryStatus

bp = resource_blueprint(
    "webhook_endpoints",
    __name__,
    "/webhook-endpoints",
    "Outgoing webhooks: where the business's events are delivered, signed on the "
    "Standard Webhooks scheme, and how each delivery went.",
)

_STATUSES = [status.value for status in WebhookDeliveryStatus]


class WebhookEndpointSchema(ma.Schema):
    id = fields.Integer()
    url = fields.String()
    events = fields.List(
        fields.String(metadata={"enum": list(EVENT_TYPES)}),
        metadata={"description": "The event types it gets; [] means every event."},
    )
    enabled = fields.Boolean()
    created_at = fields.DateTime()


class WebhookEndpointWithSecretSchema(WebhookEndpointSchema):
    secret = fields.String(
        metadata={
            "description": "The signing secret (whsec_…), shown only now: keep it to verify "
            "the webhook-signature header. An Idempotency-Key replay answers without the "
            "secret; rotate it if you lost it."
        }
    )


def _url(**kwargs) -> fields.Field:
    return DomainLine(
        1,
        MAX_URL_LENGTH,
        metadata={
            "format": "uri",
            "example": "https://crm.example.com/hooks/replydesk",
            "description": "http(s); its host must resolve to public addresses unless the "
            "server sets ALLOW_PRIVATE_WEBHOOK_URLS.",
        },
        **kwargs,
    )


class WebhookEndpointChangeSchema(InputSchema):
    # Types for the document; `bot.services.webhook_endpoints` checks the values.
    url = _url()
    events = fields.List(
        DomainChoice(EVENT_TYPES),
        validate=Length(max=len(EVENT_TYPES) * 4),
        metadata={"description": "The event types it gets; [] or left out: every event."},
    )
    enabled = StrictBoolean()


class WebhookEndpointCreateSchema(WebhookEndpointChangeSchema):
    url = _url(required=True)


class WebhookDeliverySchema(ma.Schema):
    id = fields.Integer()
    event_type = fields.String(metadata={"enum": list(EVENT_TYPES)})
    webhook_id = fields.String(
        attribute="event_id",
        metadata={"description": "The webhook-id header: the same on every try."},
    )
    status = fields.String(metadata={"enum": _STATUSES})
    attempts = fields.Integer(metadata={"description": "Tries made so far."})
    last_status_code = fields.Integer(
        allow_none=True, metadata={"description": "The endpoint's last answer; null: none."}
    )
    last_error = fields.String(
        allow_none=True, metadata={"description": "Why the last try failed, in words."}
    )
    next_attempt_at = fields.DateTime(
        allow_none=True, metadata={"description": "While pending: when the next try is due."}
    )
    created_at = fields.DateTime()
    delivered_at = fields.DateTime(allow_none=True)


def _allow_private() -> bool:
    return current_app.config["ALLOW_PRIVATE_WEBHOOK_URLS"]


@bp.route("", tags=["webhook-endpoints"])
class WebhookEndpoints(MethodView):
    @bp.arguments(ListQuery, location="query")
    @bp.response(200, items_schema(WebhookEndpointSchema, "WebhookEndpointListSchema"))
    def get(self, query):
        """List the endpoints, oldest first (without their secrets)."""
        statement = select(WebhookEndpoint).where(
            WebhookEndpoint.business_id == current_business().id
        )
        return list_response(statement.order_by(WebhookEndpoint.id), query)

    @bp.arguments(WebhookEndpointCreateSchema)
    @bp.response(201, WebhookEndpointWithSecretSchema)
    def post(self, data):
        """Register an endpoint; the answer holds its secret, shown this once."""
        endpoint = webhook_endpoints.create_endpoint(
            db.session,
            current_business(),
            WebhookEndpointChanges.from_fields(data),
            allow_private_urls=_allow_private(),
        )
        db.session.commit()
        return endpoint


@bp.route(f"/<int(max={MAX_ID}):endpoint_id>", tags=["webhook-endpoints"])
class WebhookEndpointById(MethodView):
    @bp.response(200, WebhookEndpointSchema)
    def get(self, endpoint_id):
        """Read one endpoint (without its secret)."""
        endpoint = webhook_endpoints.get_endpoint(db.session, current_business(), endpoint_id)
        db.session.commit()
        return endpoint

    @bp.arguments(WebhookEndpointChangeSchema)
    @bp.response(200, WebhookEndpointSchema)
    def patch(self, changes, endpoint_id):
        """Change the url, the events or enabled."""
        endpoint = webhook_endpoints.get_endpoint(db.session, current_business(), endpoint_id)
        webhook_endpoints.update_endpoint(
            db.session,
            endpoint,
            WebhookEndpointChanges.from_fields(changes),
            allow_private_urls=_allow_private(),
        )
        db.session.commit()
        return endpoint

    @bp.response(204)
    def delete(self, endpoint_id):
        """Delete the endpoint with its deliveries."""
        endpoint = webhook_endpoints.get_endpoint(db.session, current_business(), endpoint_id)
        webhook_endpoints.delete_endpoint(db.session, endpoint)
        db.session.commit()


@bp.route(f"/<int(max={MAX_ID}):endpoint_id>/rotate-secret", tags=["webhook-endpoints"])
class WebhookEndpointSecret(MethodView):
    @bp.response(200, WebhookEndpointWithSecretSchema)
    def post(self, endpoint_id):
        """Give the endpoint a new secret, shown this once; every try from now on is
        signed with it."""
        endpoint = webhook_endpoints.get_endpoint(db.session, current_business(), endpoint_id)
        webhook_endpoints.rotate_secret(db.session, endpoint)
        db.session.commit()
        return endpoint


@bp.route(f"/<int(max={MAX_ID}):endpoint_id>/deliveries", tags=["webhook-endpoints"])
class WebhookEndpointDeliveries(MethodView):
    @bp.arguments(ListQuery, location="query")
    @bp.response(200, items_schema(WebhookDeliverySchema, "WebhookDeliveryListSchema"))
    def get(self, query, endpoint_id):
        """The endpoint's deliveries, oldest first: each event's tries, last answer and
        next try."""
        endpoint = webhook_endpoints.get_endpoint(db.session, current_business(), endpoint_id)
        statement = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
        return list_response(statement.order_by(WebhookDelivery.id), query)
