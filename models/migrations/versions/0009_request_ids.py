"""Request ids on outbox events and webhook deliveries.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10 10:00:00

The request whose unit of work wrote an outbox event (its X-Request-Id, or the one generated for
it) is kept on the event and copied to the webhook deliveries made from it, which send it as
X-Request-Id. Rows written before this revision have none.
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.String(length=64), nullable=True))
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_column('request_id')
    with op.batch_alter_table('outbox_events', schema=None) as batch_op:
        batch_op.drop_column('request_id')
