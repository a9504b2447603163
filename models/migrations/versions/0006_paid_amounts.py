"""What was paid: each order line's share of the discount, the shipping discount, shipping refunded.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 13:10:00

Orders placed before this revision get their discount spread the way checkout now does it, from
the campaign the order names (see _backfill), so their refunds follow the same rule.
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
    """Spread each discounted order's discount as checkout now does (app.domain.pricing.allocate):
    a free-shipping campaign's discount goes to shipping; otherwise over the lines the order's
    campaign covers (all lines when it names no products), in proportion to their totals. Amounts
    are integer cents here (models.base.Amount)."""
    from app.domain.pricing import allocate

    bind = op.get_bind()
    orders = bind.execute(sa.text(
        "SELECT o.id, o.discount, o.shipping, c.discount_type, o.campaign_id FROM orders o "
        "LEFT JOIN campaigns c ON c.id = o.campaign_id WHERE o.discount > 0 ORDER BY o.id")).all()
    for order_id, discount, shipping, discount_type, campaign_id in orders:
        if discount_type == "FREE_SHIPPING":
            bind.execute(sa.text("UPDATE orders SET shipping_discount = :d WHERE id = :o"),
                         {"d": min(discount, shipping), "o": order_id})
            continue
        covered = {row[0] for row in bind.execute(sa.text(
            "SELECT product_id FROM campaign_products WHERE campaign_id = :c"), {"c": campaign_id})}
        lines = bind.execute(sa.text("SELECT id, total, product_id FROM order_lines WHERE order_id = :o "
                                     "ORDER BY id"), {"o": order_id}).all()
        weights = [(line_id, Decimal(total) / 100) for line_id, total, product_id in lines
                   if not covered or product_id in covered] or [(i, Decimal(t) / 100) for i, t, _ in lines]
        for line_id, share in allocate(Decimal(discount) / 100, weights).items():
            bind.execute(sa.text("UPDATE order_lines SET discount = :d WHERE id = :l"),
                         {"d": int((share * 100).to_integral_value(ROUND_HALF_UP)), "l": line_id})


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
