"""report indexes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 02:30:28.069668
"""
from alembic import op



revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.create_index('ix_carts_report', ['created_at', 'channel_id', 'attributed_campaign_id'], unique=False)

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index('ix_orders_report', ['created_at', 'channel_id', 'campaign_id', 'status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_report')

    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.drop_index('ix_carts_report')

