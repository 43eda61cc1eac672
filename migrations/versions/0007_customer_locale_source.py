"""Who set a customer's locale: staff, or the bot from the language the customer writes in.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 05:20:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "locale_set_by_staff", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    # Until now only staff could set a customer's locale (API, import), so every locale
    # already stored is theirs and the bot must not replace it.
    op.execute(
        sa.text("UPDATE customer SET locale_set_by_staff = :staff WHERE locale IS NOT NULL")
        .bindparams(staff=True)
    )


def downgrade():
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_column("locale_set_by_staff")
