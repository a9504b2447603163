"""Product status and per-channel listings.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 20:30:00

- `products.status` (DRAFT, ACTIVE, ARCHIVED by the product status table): existing products are
  ACTIVE, as they were shown to everyone before.
- `product_channel_listings`: a row says how a product is listed on a channel (published or not,
  buyable from when); no row means published and buyable, so existing products stay on every channel.
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('products') as batch:
        batch.add_column(sa.Column('status', sa.String(length=16), nullable=False, server_default='ACTIVE'))
    with op.batch_alter_table('products') as batch:
        batch.alter_column('status', server_default=None)
        batch.create_index(batch.f('ix_products_status'), ['status'], unique=False)
    op.create_table('product_channel_listings',
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('is_published', sa.Boolean(), nullable=False),
    sa.Column('available_for_purchase_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_product_channel_listings_channel_id_channels')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_channel_listings_product_id_products')),
    sa.PrimaryKeyConstraint('product_id', 'channel_id', name=op.f('pk_product_channel_listings'))
    )
    op.create_index(op.f('ix_product_channel_listings_channel_id'), 'product_channel_listings', ['channel_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_product_channel_listings_channel_id'), table_name='product_channel_listings')
    op.drop_table('product_channel_listings')
    with op.batch_alter_table('products') as batch:
        batch.drop_index(batch.f('ix_products_status'))
        batch.drop_column('status')
