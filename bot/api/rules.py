"""`/rules`: the business's notification rules, one by one and in bulk (`POST /rules/bulk`,
all or nothing), each checked as a whole by `bot.services.rule_checks`."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import fields, validates_schema
from marshmallow.validate import Length, OneOf
from sqlalchemy import select

from bot.api.auth import current_business
from bot.api.base import list_response, resource_blueprint, where_equal
from bot.api.fields import (
    MAX_ID,
    ClockTime,
    DomainChoice,
    DomainCount,
    DomainLine,
    Id,
    InputSchema,
    ListQuery,
    ShortText,
    StrictBoolean,
    items_schema,
)
from bot.extensions import db
from bot.models import NotificationRule, RecordKind
from bot.services import rules
from bot.services.commands import RuleChanges
from bot.services.rule_bulk import BulkAction, bulk_change
from bot.services.rule_checks import (
    MAX_DELAY_MINUTES,
    MAX_OFFSET_MINUTES,
    MAX_REBOOK_DAYS,
    REBOOK_MODES,
)
from outbound.policy.vocabulary import Audience, ChannelChoice, Notice, Trigger

bp = resource_blueprint(
    "rules",
    __name__,
    "/rules",
    "When which notice goes to whom, by which channel; edited one by one or in bulk.",
)

_KINDS = [kind.value for kind in RecordKind]
_TRIGGERS = [trigger.value for trigger in Trigger]
_AUDIENCES = [audience.value for audience in Audience]
_CHANNELS = [channel.value for channel in ChannelChoice]
_NOTICES = [notice.value for notice in Notice]
_ACTIONS = [action.value for action in BulkAction]


class RuleSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String(metadata={"enum": _KINDS})
    trigger = fields.String(metadata={"enum": _TRIGGERS})
    trigger_status = fields.String(
        allow_none=True, metadata={"description": "created / status_changed_to: the status."}
    )
    audience = fields.String(metadata={"enum": _AUDIENCES})
    channel = fields.String(metadata={"enum": _CHANNELS})
    notice = fields.String(metadata={"enum": _NOTICES})
    template_name = fields.String(
        allow_none=True, metadata={"description": "null: the notice's default text."}
    )
    delay_minutes = fields.Integer()
    offset_minutes = fields.Integer(
        allow_none=True, metadata={"description": "Reminders: minutes before the start."}
    )
    rebook_mode = fields.String(allow_none=True, metadata={"enum": list(REBOOK_MODES)})
    rebook_days = fields.Integer(allow_none=True)
    send_time = ClockTime(allow_none=True)
    working_hours_only = fields.Boolean()
    all_locations = fields.Boolean()
    location_ids = fields.Method(
        "_location_ids", metadata={"type": "array", "items": {"type": "integer"}}
    )
    enabled = fields.Boolean()
    created_at = fields.DateTime()

    def _location_ids(self, rule: NotificationRule) -> list[int]:
        return sorted(location.id for location in rule.locations)


class RuleChangeSchema(InputSchema):
    # Types for the document; what a rule may say is checked by `bot.services.rule_checks`,
    # for the pages and the API alike.
    name = DomainLine(1, 200, metadata={"example": "Feedback one hour after pickup"})
    kind = DomainChoice(_KINDS)
    trigger = DomainChoice(
        _TRIGGERS,
        metadata={
            "description": "Appointments: any. Orders: created, status_changed, "
            "status_changed_to, time_changed, reminder. Inquiries: created, "
            "status_changed_to (R4.2)."
        },
    )
    trigger_status = DomainLine(
        1,
        40,
        allow_none=True,
        metadata={"description": "Required for status_changed_to; optional for created."},
    )
    audience = DomainChoice(_AUDIENCES)
    channel = DomainChoice(
        _CHANNELS,
        metadata={"description": "The business (audience) gets email only. Default: auto."},
    )
    notice = DomainChoice(_NOTICES)
    template_name = ShortText(
        allow_none=True,
        metadata={"description": "A template of the business or a default notice text."},
    )
    delay_minutes = DomainCount(0, MAX_DELAY_MINUTES, metadata={"description": "R4.5."})
    offset_minutes = DomainCount(
        1,
        MAX_OFFSET_MINUTES,
        allow_none=True,
        metadata={"description": "Reminders only (required there): minutes before the start."},
    )
    rebook_mode = DomainChoice(
        REBOOK_MODES,
        allow_none=True,
        metadata={
            "description": "Rebook (R2.4, R2.6): after_visit, N days after the last visit; "
            "predicted, N days before the customer falls out of their pattern."
        },
    )
    rebook_days = DomainCount(
        1,
        MAX_REBOOK_DAYS,
        allow_none=True,
        metadata={"description": "Rebook: N (R2.4 offers 1, 2 or 3 after, 5 before)."},
    )
    send_time = ClockTime(
        allow_none=True,
        metadata={"description": "Rebook: time of day in the business's zone; default 10:00."},
    )
    working_hours_only = StrictBoolean(metadata={"description": "R4.6."})
    all_locations = StrictBoolean(metadata={"description": "R4.8."})
    location_ids = fields.List(
        Id(),
        validate=Length(max=100),
        metadata={"description": "With all_locations false: the locations it applies to."},
    )
    enabled = StrictBoolean()


class RuleCreateSchema(RuleChangeSchema):
    kind = DomainChoice(_KINDS, required=True)
    trigger = DomainChoice(_TRIGGERS, required=True)
    notice = DomainChoice(_NOTICES, required=True)


class RuleQuerySchema(ListQuery):
    kind = fields.String(validate=OneOf(_KINDS))
    trigger = fields.String(validate=OneOf(_TRIGGERS))
    enabled = fields.Boolean()


class RuleBulkInputSchema(InputSchema):
    ids = fields.List(Id(), required=True, validate=Length(1, 500))
    action = fields.String(required=True, validate=OneOf(_ACTIONS))
    template_name = ShortText(
        allow_none=True, metadata={"description": "set_template: the name; null: default text."}
    )
    channel = fields.String(validate=OneOf(_CHANNELS), metadata={"description": "set_channel."})

    @validates_schema
    def _what_the_action_needs(self, data, **kwargs):
        action = data.get("action")
        # template_name may be null (back to the default text) but must be given.
        if action == BulkAction.SET_TEMPLATE and "template_name" not in data:
            raise ma.ValidationError("Missing data for required field.", "template_name")
        if action == BulkAction.SET_CHANNEL and "channel" not in data:
            raise ma.ValidationError("Missing data for required field.", "channel")
        for name, needed_by in (("template_name", "set_template"), ("channel", "set_channel")):
            if name in data and action != needed_by:
                raise ma.ValidationError(f"only the action {needed_by} takes {name}", name)


class RuleBulkResultSchema(ma.Schema):
    action = fields.String(metadata={"enum": _ACTIONS})
    items = fields.List(
        fields.Nested(RuleSchema), metadata={"description": "The changed rules; [] for delete."}
    )
    deleted = fields.List(fields.Integer(), metadata={"description": "Ids of deleted rules."})
    cancelled_notifications = fields.Integer(
        metadata={"description": "Planned notices the deleted rules withdrew."}
    )


@bp.route("", tags=["rules"])
class Rules(MethodView):
    @bp.arguments(RuleQuerySchema, location="query")
    @bp.response(200, items_schema(RuleSchema, "RuleListSchema"))
    def get(self, query):
        """List rules, oldest first; filter by kind, trigger and enabled."""
        statement = select(NotificationRule).where(
            NotificationRule.business_id == current_business().id
        )
        statement = where_equal(statement, NotificationRule, query, ("kind", "trigger", "enabled"))
        return list_response(statement.order_by(NotificationRule.id), query)

    @bp.arguments(RuleCreateSchema)
    @bp.response(201, RuleSchema)
    def post(self, data):
        """Create a rule."""
        rule = rules.create_rule(db.session, current_business(), RuleChanges.from_fields(data))
        db.session.commit()
        return rule


@bp.route("/bulk", tags=["rules"])
class RulesBulk(MethodView):
    @bp.arguments(RuleBulkInputSchema)
    @bp.response(200, RuleBulkResultSchema)
    def post(self, data):
        """Delete rules, or give them one template or one channel; all or nothing (R4.10)."""
        outcome = bulk_change(
            db.session,
            current_business(),
            data["ids"],
            data["action"],
            template_name=data.get("template_name"),
            channel=data.get("channel"),
        )
        db.session.commit()
        return {
            "action": data["action"],
            "items": outcome.rules,
            "deleted": outcome.deleted,
            "cancelled_notifications": outcome.cancelled_notifications,
        }


@bp.route(f"/<int(max={MAX_ID}):rule_id>", tags=["rules"])
class RuleById(MethodView):
    @bp.response(200, RuleSchema)
    def get(self, rule_id):
        """Read one rule."""
        rule = rules.get_rule(db.session, current_business(), rule_id)
        db.session.commit()
        return rule

    @bp.arguments(RuleChangeSchema)
    @bp.response(200, RuleSchema)
    def patch(self, changes, rule_id):
        """Change a rule; notices it already planned stay as they were planned."""
        business = current_business()
        rule = rules.get_rule(db.session, business, rule_id)
        rules.update_rule(db.session, business, rule, RuleChanges.from_fields(changes))
        db.session.commit()
        return rule

    @bp.response(204)
    def delete(self, rule_id):
        """Delete a rule; its notices not yet sending are cancelled ("rule deleted")."""
        business = current_business()
        rule = rules.get_rule(db.session, business, rule_id)
        rules.delete_rule(db.session, business, rule)
        db.session.commit()
