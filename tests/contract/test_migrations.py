"""The Alembic migrations build exactly the schema the models describe, on both databases (the
search index, made per database outside the models, aside)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

import models
from models.search import include_name


async def test_migrations_match_the_models(database_url: str) -> None:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            differences = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"include_name": include_name}),
                                               models.Base.metadata))
    finally:
        await engine.dispose()
    assert differences == []
