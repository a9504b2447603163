"""Indexes for salesReport: the period's orders, and units per order, read from indexes alone.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 02:33:00
"""
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index('ix_orders_report', ['created_at', 'channel_id', 'campaign_id', 'status', 'total', 'id'],
                              unique=False)
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.create_index('ix_order_lines_report', ['order_id', 'quantity'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_order_lines_report')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_report')
