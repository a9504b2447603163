"""The per-request context every resolver sees: who calls, the database, fresh loaders."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

from app.auth import Viewer
from app.db import Database
from app.loaders.catalog import CatalogLoaders
from app.services.unit_of_work import Actor, UnitOfWork
from app.settings import Settings


@dataclass
class Context:
    db: Database
    settings: Settings
    viewer: Viewer | None
    request_id: str
    channel: str | None = None
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    @cached_property
    def catalog(self) -> CatalogLoaders:
        return CatalogLoaders(self.db, self.now)

    @property
    def actor(self) -> Actor:
        return Actor(viewer=self.viewer, request_id=self.request_id, channel=self.channel)

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.db, self.actor, datetime.now(UTC))
