"""The edge of every request: `RequestTelemetry` (outermost ASGI middleware) gives each HTTP request
and WebSocket connection its request id (a well-formed incoming X-Request-Id, else a new one,
echoed in the response), binds it for the request's log lines, and when the request is over writes
its one access line and its metrics. `Telemetry` holds the app's metrics, tracing and access log;
/metrics is `metrics_endpoint`."""

import asyncio
import hmac
import ipaddress
import logging
import time
from collections.abc import Callable
from typing import Any

import structlog
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import Database
from app.observability.metrics import Metrics, register_builtin_sources
from app.observability.requests import RequestRecord, bound, request_id_from
from app.observability.tracing import Tracing
from app.settings import Settings

PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Route labels: fixed paths, then prefixes; anything else is "other".
ROUTES = ("/graphql", "/healthz", "/readyz", "/metrics", "/webhooks/warehouse", "/console")
ROUTE_PREFIXES = (("/webhooks/payments/", "/webhooks/payments/{gateway}"), ("/console/assets/", "/console/assets"),
                  ("/console/", "/console"))
MAX_LOGGED_PATH = 200


def route_of(path: str) -> str:
    if path in ROUTES:
        return path
    return next((label for prefix, label in ROUTE_PREFIXES if path.startswith(prefix)), "other")


class Telemetry:
    """The app's metrics (built with the app), tracing (started with the lifespan) and access log."""

    def __init__(self, settings: Settings, *, span_exporter: Any = None) -> None:
        self.settings = settings
        self.metrics = Metrics()
        self.tracing: Tracing | None = None
        self.span_exporter = span_exporter
        self.access = structlog.stdlib.get_logger("commerce.access")

    def start(self, db: Database, subscriber_count: Callable[[], int]) -> None:
        register_builtin_sources(self.metrics, db, subscriber_count)
        self.tracing = Tracing.build(self.settings, self.span_exporter)
        if self.tracing is not None:
            self.tracing.instrument(db.sync_engines)

    async def stop(self) -> None:
        """Flush the spans still queued (in a thread: the export is a blocking HTTP call)."""
        if self.tracing is not None:
            tracing, self.tracing = self.tracing, None
            await asyncio.to_thread(tracing.shutdown)

    def record(self, request_id: str, transport: str) -> RequestRecord:
        return RequestRecord(request_id=request_id, transport=transport, tracing=self.tracing)

    # One line per request

    def finish_http(self, record: RequestRecord, scope: Scope, status: int, seconds: float) -> None:
        route = route_of(scope["path"])
        self.metrics.observe_http(route, status, seconds)
        if route == "/graphql":
            self.metrics.observe_graphql(record, seconds)
            operation = record.operation
        else:
            operation = route.removeprefix("/")
        self._log("request", record, seconds, status=status, method=scope["method"],
                  path=scope["path"][:MAX_LOGGED_PATH], operation=operation)

    def finish_websocket(self, record: RequestRecord, scope: Scope, close_code: int | None,
                         seconds: float) -> None:
        self._log("websocket", record, seconds, status=close_code, path=scope["path"][:MAX_LOGGED_PATH],
                  operation="websocket")

    def finish_ws_operation(self, record: RequestRecord, status: str, seconds: float) -> None:
        self.metrics.observe_graphql(record, seconds)
        self.metrics.websocket_operations.labels(record.operation_type or "unknown", status).inc()
        self._log("operation", record, seconds, status=status, operation=record.operation)

    def _log(self, event: str, record: RequestRecord, seconds: float, **fields: Any) -> None:
        line: dict[str, Any] = {"transport": record.transport, **fields, "operation_type": record.operation_type,
                                "role": record.role, "duration_ms": round(seconds * 1000, 2)}
        if record.errors:
            line["errors"] = sorted(record.errors)
        line.update(record.fields)
        status = fields.get("status")
        level = logging.ERROR if isinstance(status, int) and status >= 500 and record.transport == "http" \
            else logging.INFO
        self.access.log(level, event, **line)

    # /metrics

    def may_read_metrics(self, request: Request) -> Response | None:
        """None when the caller may read /metrics, else the refusal. With COMMERCE_METRICS_TOKEN
        set: the bearer token is required. Unset: only loopback clients are served."""
        token = self.settings.metrics_token
        if token:
            scheme, _, given = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
                return None
            return JSONResponse({"error": "send the metrics token: Authorization: Bearer <COMMERCE_METRICS_TOKEN>"},
                                status_code=401, headers={"WWW-Authenticate": "Bearer"})
        host = request.client.host if request.client else ""
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if loopback:
            return None
        return JSONResponse({"error": "/metrics is served to loopback clients only; set COMMERCE_METRICS_TOKEN "
                                      "to let scrapers elsewhere read it"}, status_code=403)


def metrics_endpoint(telemetry: Telemetry, db_of: Callable[[], Database | None]) -> Callable[..., Any]:
    async def metrics(request: Request) -> Response:
        refusal = telemetry.may_read_metrics(request)
        if refusal is not None:
            return refusal
        return Response(await telemetry.metrics.exposition(db_of()), media_type=PROMETHEUS_CONTENT_TYPE)

    return metrics


class RequestTelemetry:
    def __init__(self, app: ASGIApp, telemetry: Telemetry) -> None:
        self.app = app
        self.telemetry = telemetry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def _start(self, scope: Scope, transport: str) -> RequestRecord:
        header = next((value for name, value in scope.get("headers") or () if name == b"x-request-id"), None)
        record = self.telemetry.record(request_id_from(header), transport)
        scope.setdefault("state", {})["telemetry"] = record
        return record

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        record = self._start(scope, "http")
        started = time.perf_counter()
        status = 500  # unless a response starts: an exception escaped and the server answers 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                MutableHeaders(scope=message).append("X-Request-Id", record.request_id)
            await send(message)

        with bound(record):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                self.telemetry.finish_http(record, scope, status, time.perf_counter() - started)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        record = self._start(scope, "ws")
        started = time.perf_counter()
        close_code: int | None = None

        async def receive_noting_close() -> Message:
            nonlocal close_code
            message = await receive()
            if message["type"] == "websocket.disconnect" and close_code is None:
                close_code = int(message.get("code", 1005))
            return message

        async def send_with_id(message: Message) -> None:
            nonlocal close_code
            if message["type"] == "websocket.accept":
                message = {**message, "headers": [*message.get("headers", ()),
                                                  (b"x-request-id", record.request_id.encode())]}
            elif message["type"] == "websocket.close" and close_code is None:
                close_code = int(message.get("code", 1000))
            elif message["type"] == "websocket.http.response.start" and close_code is None:
                close_code = int(message["status"])
            await send(message)

        with bound(record):
            try:
                await self.app(scope, receive_noting_close, send_with_id)
            finally:
                self.telemetry.finish_websocket(record, scope, close_code, time.perf_counter() - started)
