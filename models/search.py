"""The product search index, kept outside the mapped metadata because its structure differs by
database (made by migration 0015, written by app/search.py):

- SQLite: `product_search`, an FTS5 virtual table (`name`, `codes`, `body`; rowid = product id),
  with the shadow tables FTS5 keeps beside it (`product_search_data`, `_idx`, `_content`,
  `_docsize`, `_config`).
- PostgreSQL: `product_search (product_id, document tsvector)` with a GIN index on `document`.
"""

SEARCH_TABLE = "product_search"


def is_search_structure(name: str | None) -> bool:
    """Whether a reflected table (or index) name belongs to the search index: Alembic's comparison
    of the database with the models leaves these out."""
    return bool(name) and (name == SEARCH_TABLE or str(name).startswith(SEARCH_TABLE + "_"))


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic `include_name` hook: everything but the search index."""
    return not (type_ in {"table", "index"} and is_search_structure(name))
