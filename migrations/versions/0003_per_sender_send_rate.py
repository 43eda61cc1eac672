"""Per-sender send rate: business.sms_per_second, above zero when set.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 20:29:51.706061

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("business", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sms_per_second", sa.Float(), nullable=True))
        # Autogenerate does not see check constraints; named by the models' convention.
        batch_op.create_check_constraint(
            batch_op.f("ck_business_sms_per_second_positive"), "sms_per_second > 0"
        )


def downgrade():
    with op.batch_alter_table("business", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_business_sms_per_second_positive"), type_="check")
        batch_op.drop_column("sms_per_second")
