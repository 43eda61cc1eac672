"""The shared inbox: snoozes, hand-over reasons, private notes, canned replies, user languages.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 04:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("snoozed_until", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("handover_reason", sa.String(length=32), nullable=True))
        batch_op.create_index("ix_conversation_snoozed_until", ["snoozed_until"])
        batch_op.create_index("ix_conversation_assignee_id", ["assignee_id"])
        batch_op.create_index("ix_conversation_last_activity_at", ["last_activity_at"])
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("note", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=8), nullable=True))
    op.create_table(
        "canned_reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("business_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["business_id"], ["business.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("business_id", "title"),
    )
    op.create_index("ix_canned_reply_business_id", "canned_reply", ["business_id"])


def downgrade():
    op.drop_index("ix_canned_reply_business_id", table_name="canned_reply")
    op.drop_table("canned_reply")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("locale")
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_column("note")
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_index("ix_conversation_last_activity_at")
        batch_op.drop_index("ix_conversation_assignee_id")
        batch_op.drop_index("ix_conversation_snoozed_until")
        batch_op.drop_column("handover_reason")
        batch_op.drop_column("snoozed_until")
