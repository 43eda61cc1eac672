"""A queued message's next try gets its own column instead of borrowing `sent_at`.

Until now an outbound message waiting in the queue (held by a running attempt's
lease, a retry after a transient failure, or its sender's paced turn) kept the
moment of its next try in `sent_at`. `next_attempt_at` takes that over, so
`sent_at` only ever says when the provider took the message. The queued rows
move their value across; the index serves the dispatcher's sweep for queued
messages whose next try is due. Downgrading moves it back.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 09:30:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

INDEX = "ix_message_status_next_attempt_at"


def upgrade():
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f(INDEX), ["status", "next_attempt_at"], unique=False)
    # A queued outbound message has not reached the provider: its `sent_at` was its hold.
    op.execute(
        sa.text(
            "UPDATE message SET next_attempt_at = sent_at, sent_at = NULL"
            " WHERE direction = :outbound AND status = :queued AND sent_at IS NOT NULL"
        ).bindparams(outbound="outbound", queued="queued")
    )


def downgrade():
    op.execute(
        sa.text(
            "UPDATE message SET sent_at = next_attempt_at"
            " WHERE direction = :outbound AND status = :queued AND next_attempt_at IS NOT NULL"
        ).bindparams(outbound="outbound", queued="queued")
    )
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(INDEX))
        batch_op.drop_column("next_attempt_at")
