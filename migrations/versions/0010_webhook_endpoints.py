"""Outgoing webhooks: endpoints and their deliveries; a business's webhook_url becomes one.

`webhook_endpoint` holds each URL a business registered, the events it takes
(an empty list: all) and its Standard Webhooks secret ("whsec_" + base64 of the
key); `webhook_delivery` is the outbox of one event for one endpoint. A
business's old `webhook_url` moves into an endpoint for all events. Its
`webhook_secret`, when there is one, stays the signing key: a secret already in
"whsec_" form is kept, another is wrapped as "whsec_" + base64 of its bytes,
which signs with the same key; without one a new random secret is made. The
business's columns are kept, so the downgrade can put the oldest endpoint's URL
and secret (in "whsec_" form) back there; nothing reads them any more.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 13:00:00.000000

"""

import base64
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SECRET_PREFIX = "whsec_"


def upgrade():
    op.create_table(
        "webhook_endpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("business_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["business.id"],
            name=op.f("fk_webhook_endpoint_business_id_business"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoint")),
    )
    with op.batch_alter_table("webhook_endpoint", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_endpoint_business_id"), ["business_id"], unique=False
        )
    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("endpoint_id", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "succeeded",
                "failed",
                name="webhookdeliverystatus",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoint.id"],
            name=op.f("fk_webhook_delivery_endpoint_id_webhook_endpoint"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_delivery")),
    )
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_delivery_endpoint_id"), ["endpoint_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_webhook_delivery_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_webhook_delivery_status"), ["status", "next_attempt_at"], unique=False
        )
    _move_business_webhook_urls()


def _move_business_webhook_urls():
    connection = op.get_bind()
    endpoint = sa.table(
        "webhook_endpoint",
        sa.column("business_id", sa.Integer()),
        sa.column("url", sa.String()),
        sa.column("events", sa.JSON()),
        sa.column("secret", sa.String()),
        sa.column("enabled", sa.Boolean()),
        sa.column("created_at", sa.DateTime()),
    )
    business = sa.table(
        "business",
        sa.column("id", sa.Integer()),
        sa.column("webhook_url", sa.String()),
        sa.column("webhook_secret", sa.String()),
        sa.column("created_at", sa.DateTime()),
    )
    rows = connection.execute(
        sa.select(business.c.id, business.c.webhook_url, business.c.webhook_secret, business.c.created_at)
        .where(business.c.webhook_url.is_not(None), business.c.webhook_url != "")
        .order_by(business.c.id)
    ).all()
    for business_id, url, secret, created_at in rows:
        connection.execute(
            endpoint.insert().values(
                business_id=business_id,
                url=url,
                events=[],
                secret=_standard_secret(secret),
                enabled=True,
                created_at=created_at,
            )
        )


def _standard_secret(secret):
    if not secret:
        return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()
    if secret.startswith(SECRET_PREFIX):
        return secret
    return SECRET_PREFIX + base64.b64encode(secret.encode()).decode()


def downgrade():
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT business_id, url, secret FROM webhook_endpoint ORDER BY id DESC")
    ).all()
    # Oldest last, so the business keeps its oldest endpoint (the one moved from it).
    for business_id, url, secret in rows:
        connection.execute(
            sa.text("UPDATE business SET webhook_url = :url, webhook_secret = :secret WHERE id = :id"),
            {"url": url, "secret": secret, "id": business_id},
        )
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_delivery_status"))
        batch_op.drop_index(batch_op.f("ix_webhook_delivery_endpoint_id"))
        batch_op.drop_index(batch_op.f("ix_webhook_delivery_customer_id"))
    op.drop_table("webhook_delivery")
    with op.batch_alter_table("webhook_endpoint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_endpoint_business_id"))
    op.drop_table("webhook_endpoint")

