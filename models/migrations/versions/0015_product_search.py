"""Full-text product search index.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-10 09:00:00

One document per product: its name (weight A), its variants' SKUs (B) and its description (C),
split into lower-cased words without stemming. Kept outside the mapped models (models/search.py)
and written by app/search.py `reindex_products` in the transaction of every product write.

- SQLite: `product_search`, an FTS5 virtual table (name, codes, body; rowid = product id), ranked
  with bm25 column weights. Needs an SQLite built with FTS5 (CPython's usual builds are); without
  it the migration stops with a message saying so.
- PostgreSQL: `product_search (product_id PK -> products ON DELETE CASCADE, document tsvector)`,
  built with the 'simple' configuration and setweight, and a GIN index on `document`.

Existing products are indexed here, with SQL that builds the same documents as
`app.search.search_documents` at this revision (SKUs in variant id order, separated by spaces).
Downgrading drops the index.
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

def _require_fts5() -> None:
    options = {row[0] for row in op.get_bind().exec_driver_sql("PRAGMA compile_options").fetchall()}
    if "ENABLE_FTS5" in options:
        return
    try:  # a build may still load FTS5 without saying so in its compile options
        op.get_bind().exec_driver_sql("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5(x)")
        op.get_bind().exec_driver_sql("DROP TABLE temp.fts5_probe")
    except sa.exc.OperationalError as exc:
        raise RuntimeError(
            "This SQLite has no FTS5 (full-text search), which product search needs: use a Python "
            "whose sqlite3 module is built with FTS5 (CPython's usual builds are), or PostgreSQL."
        ) from exc


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _require_fts5()
        op.execute("CREATE VIRTUAL TABLE product_search USING fts5("
                   "name, codes, body, tokenize = 'unicode61 remove_diacritics 2')")
        # Variant ids ascend with insertion, and SQLite's group_concat keeps the order rows reach it.
        op.execute("INSERT INTO product_search (rowid, name, codes, body) "
                   "SELECT p.id, p.name, coalesce(v.skus, ''), coalesce(p.description, '') FROM products p "
                   "LEFT JOIN (SELECT product_id, group_concat(sku, ' ') AS skus FROM "
                   "(SELECT product_id, sku FROM product_variants ORDER BY product_id, id) GROUP BY product_id) v "
                   "ON v.product_id = p.id")
        return
    op.create_table(
        'product_search',
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('document', sa.dialects.postgresql.TSVECTOR(), nullable=False),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'], name='fk_product_search_product_id_products',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('product_id', name='pk_product_search'))
    op.create_index('ix_product_search_document', 'product_search', ['document'], postgresql_using='gin')
    op.execute("INSERT INTO product_search (product_id, document) "
               "SELECT p.id, setweight(to_tsvector('simple', p.name), 'A') "
               "|| setweight(to_tsvector('simple', coalesce(v.skus, '')), 'B') "
               "|| setweight(to_tsvector('simple', coalesce(p.description, '')), 'C') FROM products p "
               "LEFT JOIN (SELECT product_id, string_agg(sku, ' ' ORDER BY id) AS skus FROM product_variants "
               "GROUP BY product_id) v ON v.product_id = p.id")
    # Statistics at once: without them the planner walks every product and probes the index per row.
    op.execute("ANALYZE product_search")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE product_search")
        return
    op.drop_index('ix_product_search_document', table_name='product_search')
    op.drop_table('product_search')
