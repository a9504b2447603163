"""Collections: curated, ordered, publishable product lists.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-10 09:00:00

- `collections`: name, unique slug, description, published flag, created and updated moments.
- `collection_products`: one row per member with its display position; read in order through
  (collection_id, position, product_id), and per product through product_id.
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('collections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('slug', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('is_published', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collections')),
    sa.UniqueConstraint('slug', name=op.f('uq_collections_slug'))
    )
    op.create_index('ix_collections_name_id', 'collections', ['name', 'id'], unique=False)
    op.create_table('collection_products',
    sa.Column('collection_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['collection_id'], ['collections.id'],
                            name=op.f('fk_collection_products_collection_id_collections'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'],
                            name=op.f('fk_collection_products_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('collection_id', 'product_id', name=op.f('pk_collection_products'))
    )
    op.create_index('ix_collection_products_order', 'collection_products', ['collection_id', 'position', 'product_id'],
                    unique=False)
    op.create_index(op.f('ix_collection_products_product_id'), 'collection_products', ['product_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_collection_products_product_id'), table_name='collection_products')
    op.drop_index('ix_collection_products_order', table_name='collection_products')
    op.drop_table('collection_products')
    op.drop_index('ix_collections_name_id', table_name='collections')
    op.drop_table('collections')
