"""One business per Twilio sender: unique sms_from, messaging_service_sid, whatsapp_from.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 19:46:36.314587

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("business", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_business_messaging_service_sid"))
        batch_op.drop_index(batch_op.f("ix_business_sms_from"))
        batch_op.drop_index(batch_op.f("ix_business_whatsapp_from"))
        batch_op.create_unique_constraint(
            batch_op.f("uq_business_messaging_service_sid"), ["messaging_service_sid"]
        )
        batch_op.create_unique_constraint(batch_op.f("uq_business_sms_from"), ["sms_from"])
        batch_op.create_unique_constraint(
            batch_op.f("uq_business_whatsapp_from"), ["whatsapp_from"]
        )


def downgrade():
    with op.batch_alter_table("business", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_business_whatsapp_from"), type_="unique")
        batch_op.drop_constraint(batch_op.f("uq_business_sms_from"), type_="unique")
        batch_op.drop_constraint(batch_op.f("uq_business_messaging_service_sid"), type_="unique")
        batch_op.create_index(
            batch_op.f("ix_business_whatsapp_from"), ["whatsapp_from"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_business_sms_from"), ["sms_from"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_business_messaging_service_sid"), ["messaging_service_sid"], unique=False
        )
