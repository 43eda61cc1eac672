"""`/templates`: the business's message texts, and `POST /templates/preview` (R2.2, R2.3,
R3.3, R4.7, R0.8).

A template is the text for one name, channel (sms, email or whatsapp) and
locale; rules choose one by name. A WhatsApp template may name the business's
template approved by WhatsApp at Twilio (`content_sid`) and fill its
placeholders (`content_variables`); it is what reaches a customer outside
WhatsApp's 24-hour window. Saving a text checks it in the jinja2 sandbox with
placeholder data ("Ursula Hoffmann", staff "Jane", an appointment tomorrow at
14:00): a syntax error, an unknown variable or an attempt to reach Python
internals is a 422 naming `body` or `subject`. The preview renders any text,
or a stored template, with the same data and says how many SMS segments it
takes, in which encoding, which characters force UCS-2 and what the text
would be with GSM-7 stand-ins.
"""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import fields, validates_schema
from marshmallow.validate import Length, OneOf
from sqlalchemy import select

from bot.api.auth import current_business
from bot.api.base import list_response, resource_blueprint, where_equal
from bot.api.fields import MAX_ID, Id, InputSchema, Line, ListQuery, Text, items_schema
from bot.extensions import db
from bot.models import Template, utcnow
from bot.services import templates, texts
from bot.services.texts import MAX_BODY_LENGTH, MAX_SUBJECT_LENGTH, TEMPLATE_CHANNELS
from outbound.policy.rendering import SUPPORTED_LOCALES, resolve_locale

bp = resource_blueprint(
    "templates",
    __name__,
    "/templates",
    "The business's message texts per notice, channel and locale, with a preview.",
)

_CHANNELS = [channel.value for channel in TEMPLATE_CHANNELS]
_BODY = {
    "validate": Length(1, MAX_BODY_LENGTH),
    "metadata": {
        "description": "jinja2 text; the variables are listed in README.md "
        '("Message templates"), e.g. {{ customer.first_name }}, {{ date }}, {{ time }}.',
        "example": "Hallo {{ customer.first_name }}, bis {{ weekday }} um {{ time }} Uhr!",
    },
}
_SUBJECT = {
    "allow_none": True,
    "validate": Length(max=MAX_SUBJECT_LENGTH),
    "metadata": {"description": "Email only (required there); SMS and WhatsApp have none."},
}
_CONTENT_SID = {
    "allow_none": True,
    "validate": Length(max=34),
    "metadata": {
        "description": "WhatsApp only: the Content SID of your template approved by WhatsApp "
        "at Twilio, sent when the customer has not written in the last 24 hours; the body is "
        "then that template's wording, kept in the conversation.",
        "example": "HX0123456789abcdef0123456789abcdef",
    },
}
_CONTENT_VARIABLES = {
    "allow_none": True,
    "keys": fields.String(),
    "values": Text(),
    "metadata": {
        "description": "WhatsApp only, with content_sid: what fills each placeholder of the "
        "approved template, each value a text like the body.",
        "example": {"1": "{{ customer.first_name }}", "2": "{{ weekday }} {{ time }}"},
    },
}


class TemplateSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String(metadata={"description": "What rules name in template_name."})
    channel = fields.String(metadata={"enum": _CHANNELS})
    locale = fields.String(metadata={"enum": list(SUPPORTED_LOCALES)})
    subject = fields.String(allow_none=True)
    body = fields.String()
    content_sid = fields.String(allow_none=True)
    content_variables = fields.Dict(keys=fields.String(), values=fields.String(), allow_none=True)
    updated_at = fields.DateTime()


class TemplateChangeSchema(InputSchema):
    subject = Text(**_SUBJECT)
    body = Text(**_BODY)
    content_sid = Line(**_CONTENT_SID)
    content_variables = fields.Dict(**_CONTENT_VARIABLES)


class TemplateCreateSchema(TemplateChangeSchema):
    name = Line(
        required=True,
        validate=Length(1, 200),
        metadata={"description": "A notice name or your own.", "example": "feedback_request"},
    )
    channel = fields.String(required=True, validate=OneOf(_CHANNELS))
    locale = fields.String(required=True, validate=OneOf(SUPPORTED_LOCALES))
    body = Text(required=True, **_BODY)


class TemplateQuerySchema(ListQuery):
    name = fields.String()
    channel = fields.String(validate=OneOf(_CHANNELS))
    locale = fields.String(validate=OneOf(SUPPORTED_LOCALES))


class TemplatePreviewInputSchema(InputSchema):
    template_id = Id(metadata={"description": "Preview a stored template; give nothing else."})
    body = Text(**_BODY)
    subject = Text(**_SUBJECT)
    content_variables = fields.Dict(**_CONTENT_VARIABLES)
    channel = fields.String(validate=OneOf(_CHANNELS), metadata={"description": "With body."})
    locale = fields.String(
        validate=OneOf(SUPPORTED_LOCALES), metadata={"description": "Default: the business's."}
    )

    @validates_schema
    def _one_source(self, data, **kwargs):
        if "template_id" in data:
            extra = sorted(set(data) - {"template_id"})
            if extra:
                raise ma.ValidationError("give either template_id or a text, not both", extra[0])
            return
        for name in ("body", "channel"):
            if name not in data:
                raise ma.ValidationError("give template_id, or body and channel", name)


class TemplatePreviewSchema(ma.Schema):
    text = fields.String(metadata={"description": "The body rendered with placeholder data."})
    subject = fields.String(allow_none=True)
    segments = fields.Integer(
        metadata={"description": "SMS parts (R0.8); 0 for email and WhatsApp."}
    )
    encoding = fields.String(
        allow_none=True,
        metadata={"enum": ["GSM-7", "UCS-2"], "description": "null for email and WhatsApp."},
    )
    characters = fields.Integer()
    non_gsm_characters = fields.List(
        fields.String(), metadata={"description": "The characters that force UCS-2."}
    )
    suggestion = fields.String(
        allow_none=True,
        metadata={"description": "The text with GSM-7 stand-ins (’ → ' …), when that helps."},
    )
    content_variables = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        allow_none=True,
        metadata={"description": "A WhatsApp template's placeholder values, rendered."},
    )


@bp.route("", tags=["templates"])
class Templates(MethodView):
    @bp.arguments(TemplateQuerySchema, location="query")
    @bp.response(200, items_schema(TemplateSchema, "TemplateListSchema"))
    def get(self, query):
        """List templates by name, channel and locale; filter by any of them."""
        statement = select(Template).where(Template.business_id == current_business().id)
        statement = where_equal(statement, Template, query, ("name", "channel", "locale"))
        statement = statement.order_by(Template.name, Template.channel, Template.locale)
        return list_response(statement, query)

    @bp.arguments(TemplateCreateSchema)
    @bp.response(201, TemplateSchema)
    @bp.alt_response(409, response="CONFLICT")
    def post(self, data):
        """Create a template; its text is checked with placeholder data first."""
        template = templates.create_template(db.session, current_business(), data, now=utcnow())
        db.session.commit()
        return template


@bp.route("/preview", tags=["templates"])
class TemplatePreview(MethodView):
    @bp.arguments(TemplatePreviewInputSchema)
    @bp.response(200, TemplatePreviewSchema)
    def post(self, data):
        """Render a text (or a stored template) with placeholder data and count its SMS parts."""
        business = current_business()
        if "template_id" in data:
            template = templates.get_template(db.session, business, data["template_id"])
            preview = templates.preview_template(db.session, business, template, now=utcnow())
        else:
            preview = texts.preview_text(
                db.session,
                business,
                channel=data["channel"],
                locale=data.get("locale") or resolve_locale(business.locale),
                body=data["body"],
                subject=data.get("subject"),
                content_variables=data.get("content_variables"),
                now=utcnow(),
            )
        db.session.commit()
        return preview


@bp.route(f"/<int(max={MAX_ID}):template_id>", tags=["templates"])
class TemplateById(MethodView):
    @bp.response(200, TemplateSchema)
    def get(self, template_id):
        """Read one template."""
        template = templates.get_template(db.session, current_business(), template_id)
        db.session.commit()
        return template

    @bp.arguments(TemplateChangeSchema)
    @bp.response(200, TemplateSchema)
    def patch(self, changes, template_id):
        """Change a template's body, subject or WhatsApp content; the new text is checked first."""
        business = current_business()
        template = templates.get_template(db.session, business, template_id)
        templates.update_template(db.session, business, template, changes, now=utcnow())
        db.session.commit()
        return template

    @bp.response(204)
    @bp.alt_response(409, response="CONFLICT")
    def delete(self, template_id):
        """Delete a template, unless it is the last text of a name a rule sends."""
        business = current_business()
        template = templates.get_template(db.session, business, template_id)
        templates.delete_template(db.session, business, template)
        db.session.commit()
