"""A record's id in the booking system that created it, indexed for its lookups.

A booking system that drives ReplyDesk finds its appointments again by its own
id (`GET /api/v1/records?external_id=…`), once per appointment it syncs; the
index keeps that lookup from reading every record of the business, as the
customer's external id already is.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 13:00:00.000000

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

INDEX = "ix_record_external_id"


def upgrade():
    with op.batch_alter_table("record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_id", sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f(INDEX), ["external_id"], unique=False)


def downgrade():
    with op.batch_alter_table("record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(INDEX))
        batch_op.drop_column("external_id")
