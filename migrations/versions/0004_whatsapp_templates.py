"""WhatsApp: a customer's WhatsApp number, a template's Content SID and variables, the message's.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 22:05:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("whatsapp", sa.String(length=20), nullable=True))
    # WhatsApp addresses recorded so far are those of WhatsApp opt-outs: keep each as
    # the customer's number, so the opt-out still stops WhatsApp notices to it.
    op.execute(
        "UPDATE customer SET whatsapp = (SELECT min(value) FROM contact_address"
        " WHERE contact_address.customer_id = customer.id AND contact_address.kind = 'whatsapp')"
    )
    with op.batch_alter_table("template", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content_sid", sa.String(length=34), nullable=True))
        batch_op.add_column(sa.Column("content_variables", sa.JSON(), nullable=True))
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content_sid", sa.String(length=34), nullable=True))
        batch_op.add_column(sa.Column("content_variables", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_column("content_variables")
        batch_op.drop_column("content_sid")
    with op.batch_alter_table("template", schema=None) as batch_op:
        batch_op.drop_column("content_variables")
        batch_op.drop_column("content_sid")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_column("whatsapp")
