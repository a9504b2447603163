"""The per-request context every resolver sees: who calls, the database, fresh loaders."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from app.auth import Viewer
from app.cost_budget import QueryGuard
from app.db import Database
from app.integrations.egress import WebhookEgress
from app.integrations.payments import Gateways
from app.loaders.catalog import CatalogLoaders
from app.loaders.orders import OrderLoaders
from app.loaders.products import STAFF, Audience
from app.policy.reads import Readable, may_read
from app.pubsub import Broker
from app.rate_limits import MemoryRateLimiter, RateLimiter, Rules
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
    broker: Broker | None = None
    on_commit: Callable[[], None] | None = None
    # Vets webhook URLs at registration (the dispatcher vets them again at every delivery).
    webhook_egress: WebhookEgress = field(default_factory=WebhookEgress)
    # Set by the WebSocket transport from the connection_init payload.
    connection_params: dict[str, Any] | None = None
    # The calling client (address and user agent, hashed): scopes guests' idempotency keys.
    client: str = ""
    # WebSocket connections: reads the connection's viewer anew from its token (InvalidToken once
    # the token has expired or its user was deactivated or deleted), before every pushed event.
    reauthenticate: Callable[[], Awaitable[Viewer | None]] | None = None
    # The calling client's network address (rate limits count per address), and the limiter that
    # the composition root built (shared by every request of the process).
    client_address: str = ""
    limiter: RateLimiter = field(default_factory=MemoryRateLimiter)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    # The caller's cost budget and the execution deadline (HTTP); None where nothing is enforced.
    guard: QueryGuard | None = None

    @cached_property
    def catalog(self) -> CatalogLoaders:
        staff = may_read(self.viewer, Readable.UNLISTED_PRODUCT)
        return CatalogLoaders(self.db, self.now, STAFF if staff else Audience(channel=self.channel))

    @cached_property
    def orders(self) -> OrderLoaders:
        return OrderLoaders(self.db, self.now, self.abandon_after)

    @cached_property
    def rate_rules(self) -> Rules:
        return Rules.of(self.settings)

    @property
    def abandon_after(self) -> timedelta:
        return timedelta(seconds=self.settings.cart_abandon_after_seconds)

    @property
    def actor(self) -> Actor:
        return Actor(viewer=self.viewer, request_id=self.request_id, channel=self.channel)

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.db, self.actor, datetime.now(UTC), on_commit=self.on_commit)

    def fresh_loaders(self) -> None:
        """Forget this context's loaders: a subscription's context lives as long as its WebSocket,
        and every pushed event must be read anew."""
        self.__dict__.pop("catalog", None)
        self.__dict__.pop("orders", None)
        self.now = datetime.now(UTC)
