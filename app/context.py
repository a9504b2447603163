"""The per-request context every resolver sees: who calls, the database, fresh loaders."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property

from app.auth import Viewer
from app.db import Database
from app.integrations.payments import Gateways
from app.loaders.catalog import CatalogLoaders
from app.loaders.orders import OrderLoaders
from app.services.unit_of_work import Actor, UnitOfWork
from app.settings import Settings


@dataclass
class Context:
    db: Database
    settings: Settings
    viewer: Viewer | None
    request_id: str
    channel: str | None = None
    gateways: Gateways = field(default_factory=Gateways)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    @cached_property
    def catalog(self) -> CatalogLoaders:
        return CatalogLoaders(self.db, self.now)

    @cached_property
    def orders(self) -> OrderLoaders:
        return OrderLoaders(self.db, self.now, self.abandon_after)

    @property
    def abandon_after(self) -> timedelta:
        return timedelta(seconds=self.settings.cart_abandon_after_seconds)

    @property
    def actor(self) -> Actor:
        return Actor(viewer=self.viewer, request_id=self.request_id, channel=self.channel)

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.db, self.actor, datetime.now(UTC))
