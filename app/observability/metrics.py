"""Prometheus metrics of one app (a registry of its own, so that several apps in one process, as in
the tests, never share or collide).

Counters and histograms are updated as requests finish. Gauges are read when /metrics is scraped:
"gauge sources" run one cheap query each on the read engine (outbox backlog and lag, webhook
deliveries by status, open operational exceptions), "local gauges" read the process (live
subscriptions, database pool use). `Metrics.register_gauge_source` plugs in more of either kind.
Label values that clients choose (operation names) are normalised and capped in number."""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import Database
from app.domain.exceptions import ExceptionKind
from app.domain.states import ExceptionStatus, WebhookDeliveryStatus
from app.observability.requests import RequestRecord
from models import OperationalException, OutboxEvent, WebhookDelivery

logger = logging.getLogger("commerce.metrics")

Labels = tuple[str, ...]
Sample = tuple[Labels, float]
DatabaseReader = Callable[[AsyncConnection], Awaitable[Iterable[Sample]]]
LocalReader = Callable[[], Iterable[Sample]]

# Seconds; a GraphQL request's latency from the first byte in to the last byte out.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Distinct operation names (and error codes) kept as label values; later ones count as "other".
MAX_OPERATION_NAMES = 200
MAX_ERROR_CODES = 50
OTHER = "other"
# How long one gauge source may take at scrape time before it is left out of that scrape.
SOURCE_TIMEOUT_SECONDS = 5.0


class BoundedLabels:
    """At most `cap` distinct values of one label; values past the cap become "other"."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.seen: set[str] = set()

    def __call__(self, value: str) -> str:
        if value in self.seen:
            return value
        if len(self.seen) >= self.cap:
            return OTHER
        self.seen.add(value)
        return value


@dataclass(frozen=True, slots=True)
class GaugeSource:
    """One gauge family read at scrape time: from the database (`read_db`, given a connection of
    its own) or from the process (`read_local`). Readers return (label values, value) pairs."""

    name: str
    documentation: str
    labels: Labels = ()
    read_db: DatabaseReader | None = None
    read_local: LocalReader | None = None


class _Gauges(Collector):
    def __init__(self, metrics: "Metrics") -> None:
        self.metrics = metrics

    def describe(self) -> list[Metric]:
        return []  # the families vary with the sources registered; nothing to check at registration

    def collect(self) -> Iterator[Metric]:
        for source in list(self.metrics.sources.values()):
            if source.read_local is not None:
                try:
                    samples: list[Sample] | None = list(source.read_local())
                except Exception:
                    logger.exception("reading the gauge %s failed", source.name)
                    samples = None
            else:
                samples = self.metrics.snapshot.get(source.name)
            if not samples:  # failed, or nothing to report (the exceptions table does not exist yet)
                continue
            family = GaugeMetricFamily(source.name, source.documentation, labels=list(source.labels))
            for labels, value in samples:
                family.add_metric(list(labels), value)
            yield family


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.graphql_latency = Histogram(
            "commerce_graphql_request_duration_seconds",
            "GraphQL requests (HTTP) and WebSocket queries and mutations, by operation name "
            "(anonymous when unnamed; other past the first 200 names)",
            ["operation"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.graphql_errors = Counter(
            "commerce_graphql_errors", "Errors in GraphQL responses, by extensions.code", ["code"],
            registry=self.registry)
        self.http_latency = Histogram(
            "commerce_http_request_duration_seconds", "HTTP requests, by route", ["route"],
            buckets=LATENCY_BUCKETS, registry=self.registry)
        self.http_responses = Counter(
            "commerce_http_responses", "HTTP responses, by route and status", ["route", "status"],
            registry=self.registry)
        self.websocket_operations = Counter(
            "commerce_websocket_operations", "Operations run over WebSockets, by type and outcome",
            ["type", "status"], registry=self.registry)
        self.source_failures = Counter(
            "commerce_metrics_source_failures", "Gauge sources that failed or timed out at a scrape",
            ["source"], registry=self.registry)
        self.operation_names = BoundedLabels(MAX_OPERATION_NAMES)
        self.error_codes = BoundedLabels(MAX_ERROR_CODES)
        self.sources: dict[str, GaugeSource] = {}
        self.snapshot: dict[str, list[Sample]] = {}
        self._failing: set[str] = set()
        self._scrape = asyncio.Lock()
        self.registry.register(_Gauges(self))

    # Sources

    def register_gauge_source(self, name: str, documentation: str, *, labels: Labels = (),
                              read_db: DatabaseReader | None = None,
                              read_local: LocalReader | None = None) -> None:
        """Add (or replace, by name) a gauge read at every scrape. `read_db` gets its own
        connection on the read engine and should run one cheap query; a source that fails or
        takes longer than SOURCE_TIMEOUT_SECONDS is left out of that scrape (and counted in
        commerce_metrics_source_failures_total)."""
        if (read_db is None) == (read_local is None):
            raise ValueError("give exactly one of read_db and read_local")
        self.sources[name] = GaugeSource(name, documentation, labels, read_db, read_local)

    # Requests

    def observe_graphql(self, record: RequestRecord, seconds: float) -> None:
        if record.operation is not None and record.operation_type != "subscription":
            self.graphql_latency.labels(self.operation_names(record.operation)).observe(seconds)
        for code, count in record.errors.items():
            self.graphql_errors.labels(self.error_codes(code)).inc(count)

    def observe_http(self, route: str, status: int, seconds: float) -> None:
        self.http_latency.labels(route).observe(seconds)
        self.http_responses.labels(route, str(status)).inc()

    # Scrapes

    async def exposition(self, db: Database | None) -> bytes:
        """The text exposition, with the database gauges read now."""
        async with self._scrape:
            if db is not None:
                await self._read_database(db)
            return generate_latest(self.registry)

    async def _read_database(self, db: Database) -> None:
        snapshot: dict[str, list[Sample]] = {}
        for source in list(self.sources.values()):
            if source.read_db is None:
                continue
            try:
                async with asyncio.timeout(SOURCE_TIMEOUT_SECONDS), db.read() as conn:
                    snapshot[source.name] = list(await source.read_db(conn))
            except Exception as exc:  # noqa: BLE001 - one failing source must not fail the scrape
                self.source_failures.labels(source.name).inc()
                if source.name not in self._failing:  # once, until it recovers
                    logger.warning("gauge source %s failed: %s", source.name, type(exc).__name__)
                    self._failing.add(source.name)
            else:
                self._failing.discard(source.name)
        self.snapshot = snapshot


# The built-in gauge sources


async def outbox_pending(conn: AsyncConnection) -> list[Sample]:
    count = await conn.scalar(select(func.count()).select_from(OutboxEvent)
                              .where(OutboxEvent.published_at.is_(None)))
    return [((), float(count or 0))]


async def outbox_lag(conn: AsyncConnection) -> list[Sample]:
    oldest: datetime | None = await conn.scalar(select(func.min(OutboxEvent.created_at))
                                                .where(OutboxEvent.published_at.is_(None)))
    if oldest is None:
        return [((), 0.0)]
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return [((), max(0.0, (datetime.now(UTC) - oldest).total_seconds()))]


async def webhook_deliveries(conn: AsyncConnection) -> list[Sample]:
    rows = (await conn.execute(select(WebhookDelivery.status, func.count())
                               .group_by(WebhookDelivery.status))).all()
    counts = {status.value: 0 for status in WebhookDeliveryStatus} | {status: count for status, count in rows}
    return [((status,), float(count)) for status, count in sorted(counts.items())]


async def open_exceptions(conn: AsyncConnection) -> list[Sample]:
    """Open operational exceptions by kind, every kind listed (0 when none is open)."""
    rows = (await conn.execute(select(OperationalException.kind, func.count())
                               .where(OperationalException.status == ExceptionStatus.OPEN)
                               .group_by(OperationalException.kind))).all()
    counts = {kind.value: 0 for kind in ExceptionKind} | {str(kind): count for kind, count in rows}
    return [((kind,), float(count)) for kind, count in sorted(counts.items())]


def pool_readers(db: Database) -> dict[str, LocalReader]:
    """Checked-out connections and pool sizes of the app's engines ("write" and "read" on SQLite,
    one "shared" engine on PostgreSQL)."""
    engines = ({"shared": db.write_engine} if db.read_engine is db.write_engine
               else {"write": db.write_engine, "read": db.read_engine})

    def reader(method: str) -> LocalReader:
        def read() -> list[Sample]:
            samples: list[Sample] = []
            for label, engine in engines.items():
                pool: Any = engine.sync_engine.pool
                value = getattr(pool, method, None)
                if callable(value):
                    # QueuePool.overflow() counts up from -size: only what is beyond the size is overflow.
                    samples.append(((label,), float(max(0, value()) if method == "overflow" else value())))
            return samples
        return read

    return {"checkedout": reader("checkedout"), "size": reader("size"), "overflow": reader("overflow")}


def register_builtin_sources(metrics: Metrics, db: Database, subscriber_count: Callable[[], int]) -> None:
    metrics.register_gauge_source(
        "commerce_outbox_pending", "Outbox events committed but not yet published", read_db=outbox_pending)
    metrics.register_gauge_source(
        "commerce_outbox_lag_seconds", "Age of the oldest unpublished outbox event (0 when none)",
        read_db=outbox_lag)
    metrics.register_gauge_source(
        "commerce_webhook_deliveries", "Outbound webhook deliveries, by status", labels=("status",),
        read_db=webhook_deliveries)
    metrics.register_gauge_source(
        "commerce_open_exceptions", "Open operational exceptions, by kind", labels=("kind",),
        read_db=open_exceptions)
    metrics.register_gauge_source(
        "commerce_live_subscriptions", "Active GraphQL subscriptions in this process",
        read_local=lambda: [((), float(subscriber_count()))])
    pools = pool_readers(db)
    metrics.register_gauge_source(
        "commerce_db_pool_checked_out", "Database connections in use, by engine", labels=("engine",),
        read_local=pools["checkedout"])
    metrics.register_gauge_source(
        "commerce_db_pool_size", "Database pool size (connections kept), by engine", labels=("engine",),
        read_local=pools["size"])
    metrics.register_gauge_source(
        "commerce_db_pool_overflow", "Database connections open beyond the pool size, by engine",
        labels=("engine",), read_local=pools["overflow"])
