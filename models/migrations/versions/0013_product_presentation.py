"""Product presentation: media, SEO, variant options, weight and archive flag.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 20:10:00

- `product_media`: URLs (http/https) with alt text, in display order.
- `products.seo_title`, `products.seo_description`.
- `product_variants.weight_grams` and `is_archived` (existing variants: not archived).
- `variant_options`: a variant's option values (Size: M), one per option name.
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('product_media',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('alt', sa.String(length=500), nullable=True),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_media_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_media'))
    )
    op.create_index(op.f('ix_product_media_product_id'), 'product_media', ['product_id'], unique=False)
    op.create_table('variant_options',
    sa.Column('variant_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('value', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['variant_id'], ['product_variants.id'],
                            name=op.f('fk_variant_options_variant_id_product_variants')),
    sa.PrimaryKeyConstraint('variant_id', 'name', name=op.f('pk_variant_options'))
    )
    op.create_index('ix_variant_options_name_value', 'variant_options', ['name', 'value'], unique=False)
    with op.batch_alter_table('products') as batch:
        batch.add_column(sa.Column('seo_title', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('seo_description', sa.String(length=1000), nullable=True))
    with op.batch_alter_table('product_variants') as batch:
        batch.add_column(sa.Column('weight_grams', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('is_archived', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('product_variants') as batch:
        batch.alter_column('is_archived', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('product_variants') as batch:
        batch.drop_column('is_archived')
        batch.drop_column('weight_grams')
    with op.batch_alter_table('products') as batch:
        batch.drop_column('seo_description')
        batch.drop_column('seo_title')
    op.drop_index('ix_variant_options_name_value', table_name='variant_options')
    op.drop_table('variant_options')
    op.drop_index(op.f('ix_product_media_product_id'), table_name='product_media')
    op.drop_table('product_media')
