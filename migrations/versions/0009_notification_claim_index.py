"""An index for the dispatcher's claim: scheduled notifications in the order they fall due.

The claim reads the scheduled rows that are due, oldest first; with (status,
due_at, id) it reads them from the index alone, however many rows are
scheduled further ahead.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 11:00:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INDEX = "ix_notification_status_due_at_id"


def upgrade():
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f(INDEX), ["status", "due_at", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(INDEX))
