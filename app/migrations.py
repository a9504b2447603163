"""Alembic, driven from code: the migration scripts ship inside the `models` package, so
`commerce migrate` works from any directory once the package is installed."""

from pathlib import Path

from alembic import command
from alembic.config import Config

import models

MIGRATIONS_DIR = Path(models.__file__).parent / "migrations"


def alembic_config(database_url: str, *, audit_key: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    if audit_key is not None:
        # Migrations that re-chain the audit trail read it here; without it, from COMMERCE_AUDIT_KEY.
        config.attributes["audit_key"] = audit_key
    return config


def upgrade(database_url: str, revision: str = "head", *, audit_key: str | None = None) -> None:
    """Bring the database to `revision`. Runs its own event loop: call it outside one."""
    command.upgrade(alembic_config(database_url, audit_key=audit_key), revision)


def downgrade(database_url: str, revision: str, *, audit_key: str | None = None) -> None:
    command.downgrade(alembic_config(database_url, audit_key=audit_key), revision)
