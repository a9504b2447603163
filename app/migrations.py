"""Alembic, driven from code: the migration scripts ship inside the `models` package, so
`commerce migrate` works from any directory once the package is installed."""

from pathlib import Path

from alembic import command
from alembic.config import Config

import models

MIGRATIONS_DIR = Path(models.__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database to `revision`. Runs its own event loop: call it outside one."""
    command.upgrade(alembic_config(database_url), revision)
