"""The conversation an outgoing webhook delivery is about, indexed for erasure.

A text from a number nobody knows yet writes its `message.received` delivery
without a customer; once staff add the customer with that number, an erasure
finds the delivery by the conversation the text was filed in. The column has no
foreign key, as `customer_id` beside it: the delivery outlives what it names.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 15:00:00.000000

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

INDEX = "ix_webhook_delivery_conversation_id"


def upgrade():
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("conversation_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f(INDEX), ["conversation_id"], unique=False)


def downgrade():
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(INDEX))
        batch_op.drop_column("conversation_id")
