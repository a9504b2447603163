"""What was paid: each order line's share of the discount, the shipping discount, shipping refunded.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 13:10:00

Orders placed before this revision get their discount spread over their lines the way checkout
now does it (in proportion to line totals, the remainder on the last line; a free-shipping
discount goes to shipping), so their refunds follow the same rule.
"""
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('discount', sa.BigInteger(), nullable=False, server_default='0'))
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shipping_discount', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('shipping_refunded', sa.BigInteger(), nullable=False, server_default='0'))
    with op.batch_alter_table('return_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refund_shipping', sa.BigInteger(), nullable=True))
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_payments_captured_within_amount'),
                                         'captured_amount >= 0 AND captured_amount <= amount')
        batch_op.create_check_constraint(op.f('ck_payments_refunded_within_captured'),
                                         'refunded_amount >= 0 AND refunded_amount <= captured_amount')
    _backfill()


def _backfill() -> None:
    """Amounts are integer cents here (models.base.Amount)."""
    bind = op.get_bind()
    orders = bind.execute(sa.text(
        "SELECT id, subtotal, discount, shipping FROM orders WHERE discount > 0 ORDER BY id")).all()
    for order_id, subtotal, discount, shipping in orders:
        lines = bind.execute(sa.text("SELECT id, total FROM order_lines WHERE order_id = :o ORDER BY id"),
                             {"o": order_id}).all()
        if discount == shipping and discount > 0 and discount != subtotal:
            # Only a free-shipping campaign discounts exactly the shipping price.
            bind.execute(sa.text("UPDATE orders SET shipping_discount = :d WHERE id = :o"),
                         {"d": discount, "o": order_id})
            continue
        left = discount
        for i, (line_id, total) in enumerate(lines):
            if i == len(lines) - 1:
                share = left
            else:
                share = int((Decimal(discount) * total / subtotal).quantize(Decimal(1), ROUND_HALF_UP)) \
                    if subtotal else 0
                share = min(share, left)
            left -= share
            bind.execute(sa.text("UPDATE order_lines SET discount = :d WHERE id = :l"),
                         {"d": share, "l": line_id})


def downgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_payments_refunded_within_captured'), type_='check')
        batch_op.drop_constraint(op.f('ck_payments_captured_within_amount'), type_='check')
    with op.batch_alter_table('return_requests', schema=None) as batch_op:
        batch_op.drop_column('refund_shipping')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('shipping_refunded')
        batch_op.drop_column('shipping_discount')
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_column('discount')
