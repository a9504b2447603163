"""Composition root: settings -> database -> schema -> Starlette app. Nothing is built at import."""

import asyncio
import contextlib
import gc
import json
import logging
import re
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import orjson
from graphql import GraphQLError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

from app import response_cache
from app.auth import InvalidToken, Viewer, ViewerCache, read_token
from app.console import console_routes, graphiql_response
from app.context import Context
from app.cost_budget import QueryGuard, client_key, make_budget
from app.db import Database
from app.integrations import inbound
from app.integrations.egress import WebhookEgress
from app.integrations.outbox import OutboxRelay
from app.integrations.payments import Gateways
from app.integrations.webhooks import RetryPolicy, WebhookDispatcher
from app.loaders.accounts import active_viewer
from app.observability.logs import configure_structlog
from app.observability.middleware import RequestTelemetry, Telemetry, metrics_endpoint
from app.observability.requests import RequestRecord, current_request, new_request_id
from app.pubsub import Broker, make_broker
from app.rate_limits import RateLimiter, make_rate_limiter
from app.response_cache import ResponseCache
from app.services.idempotency import client_fingerprint
from app.settings import Settings
from app.transport_limits import BodyLimit, ConnectionLimits, GuardedTransportWSHandler
from schema.schema import build_schema

if TYPE_CHECKING:
    from app.services.exceptions import SweepOutcome

logger = logging.getLogger("commerce")
CHANNEL_RE = re.compile(r"^[a-z0-9-]{1,64}$")
SURROGATE_RE = re.compile("[\ud800-\udfff]")


async def _viewer_from_header(authorization: str | None, secret: str, viewers: ViewerCache) -> Viewer | None:
    """The caller named by a bearer access token, as the users table says now (roles, active flag;
    cached for COMMERCE_USER_CACHE_SECONDS). InvalidToken for a bad token or an inactive user."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise InvalidToken("Use 'Authorization: Bearer <token>'.")
    viewer = await viewers.get(read_token(token.strip(), secret=secret))
    if viewer is None:
        raise InvalidToken("The access token is no longer valid: its account is deleted or deactivated.")
    return viewer


def _without_surrogates(data: Any) -> Any:
    if isinstance(data, str):
        return SURROGATE_RE.sub("\ufffd", data)
    if isinstance(data, Mapping):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_without_surrogates(v) for v in data]
    return data


class TextFrameWebSocketAdapter(ASGIWebSocketAdapter):
    """Sends every WebSocket message as a text frame: graphql-transport-ws messages are JSON text.
    Strawberry's adapter sends the bytes of `encode_json` (orjson) as binary frames, which graphql-ws
    (Apollo Client, urql, Relay) refuses with "Message is missing the 'type' property"."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        encoded = self.view.encode_json(message)
        try:
            await self.ws.send_text(encoded.decode() if isinstance(encoded, bytes) else encoded)
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class GraphQLApp(GraphQL):  # type: ignore[type-arg]
    """Strawberry's ASGI app with our context, orjson responses (WebSocket messages as text frames)
    and bearer-token checks. Its IDE (outside production) is the GraphiQL page built into the
    package, not Strawberry's page, which loads GraphiQL from a CDN."""

    websocket_adapter_class = TextFrameWebSocketAdapter  # type: ignore[assignment]
    graphql_transport_ws_handler_class = GuardedTransportWSHandler

    def __init__(self, *, db: Database, settings: Settings, broker: Broker, gateways: Gateways,
                 on_commit: Callable[[], None] | None, limiter: RateLimiter, telemetry: Telemetry) -> None:
        super().__init__(
            build_schema(production=settings.is_production),
            graphql_ide=None if settings.is_production else "graphiql",
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            keep_alive=True,
            keep_alive_interval=15,
            max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
        )
        self.db = db
        self.settings = settings
        self.broker = broker
        self.gateways = gateways
        self.on_commit = on_commit
        self.limiter = limiter
        self.telemetry = telemetry
        self.webhook_egress = WebhookEgress(allow_private=settings.webhook_allow_private)
        self.cache = ResponseCache(settings.response_cache_seconds)
        self.viewers = ViewerCache(lambda user_id: active_viewer(db, user_id),
                                   ttl_seconds=settings.user_cache_seconds)
        self.connection_limits = ConnectionLimits(per_user=settings.max_ws_connections_per_user,
                                                  per_address=settings.max_ws_connections_per_address)
        self.cost_budget = make_budget(settings.client_cost_per_minute, settings.max_query_cost, settings.redis_url)

    async def render_graphql_ide(self, request: Request) -> Response:
        """GET /graphql from a browser (Accept: text/html): app/console/static/graphiql.html, under
        the console's Content-Security-Policy. Strawberry calls it only when graphql_ide is set."""
        return graphiql_response(request)

    async def on_ws_connect(self, context: Context) -> dict[str, object] | None:
        """Authenticate the WebSocket in connection_init: {"authorization": "Bearer <token>"}."""
        params = context.connection_params or {}
        authorization = params.get("authorization") or params.get("Authorization")
        header = str(authorization) if authorization else None
        try:
            context.viewer = await _viewer_from_header(header, self.settings.secret_key, self.viewers)
        except InvalidToken as refusal:
            raise ConnectionRejectionError({"message": str(refusal)}) from refusal
        if header is not None:
            context.reauthenticate = lambda: _viewer_from_header(header, self.settings.secret_key, self.viewers)
        connection = current_request()  # the WebSocket connection's record: its log line names the role
        if connection is not None:
            connection.set_viewer(context.viewer)
        if context.viewer is not None:  # ConnectionLimitReached: closed with 4429
            self.connection_limits.claim_user(context, context.viewer.user_id)
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            authorization = headers.get(b"authorization", b"").decode("latin-1") or None
            state = scope.setdefault("state", {})
            record: RequestRecord | None = state.get("telemetry")
            try:
                state["viewer"] = await _viewer_from_header(authorization, self.settings.secret_key, self.viewers)
            except InvalidToken as refusal:
                logger.info("refused (UNAUTHENTICATED): %s", str(refusal)[:200])
                if record is not None:
                    record.add_error_codes(["UNAUTHENTICATED"])
                response = JSONResponse(
                    {"data": None, "errors": [{"message": str(refusal),
                                               "extensions": {"code": "UNAUTHENTICATED"}}],
                     "extensions": {"cost": {"requested": 0, "limit": self.settings.max_query_cost}}},
                    status_code=401, headers={"WWW-Authenticate": "Bearer"})
                await response(scope, receive, send)
                return
            if record is not None:
                record.set_viewer(state["viewer"])
            if authorization is None and self.cache.enabled:
                await self._cached(scope, receive, send, headers)
                return
        await super().__call__(scope, receive, send)

    async def _cached(self, scope: Scope, receive: Receive, send: Send, headers: dict[bytes, bytes]) -> None:
        """Serve anonymous public catalog queries from the response cache when it can."""
        body = b""
        if scope["method"] == "POST":  # bounded by BodyLimit, in front of every route
            while True:
                message = await receive()
                body += message.get("body", b"")
                if not message.get("more_body"):
                    break
            payload: Any = None
            with contextlib.suppress(orjson.JSONDecodeError):
                payload = orjson.loads(body)
        else:
            params = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            payload = {"query": params.get("query"), "operationName": params.get("operationName")}
            try:
                payload["variables"] = orjson.loads(params.get("variables") or "null")
            except orjson.JSONDecodeError:
                payload = None  # whatever the executor makes of them, do not cache it
        channel = headers.get(b"x-channel", b"").decode("latin-1") or None
        key = self.cache.key(payload, channel)

        async def replay() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        if key is None:
            await super().__call__(scope, replay if scope["method"] == "POST" else receive, send)
            return
        cached = self.cache.get(key)
        if cached is not None:
            record: RequestRecord | None = scope.get("state", {}).get("telemetry")
            if record is not None:
                record.name_operation(response_cache.operation_name(payload["query"], payload.get("operationName")),
                                      "query")
            await Response(cached, media_type="application/json", headers={"X-Cache": "hit"})(scope, receive, send)
            return
        version = response_cache.current_version()
        status, chunks = 0, []

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await super().__call__(scope, replay if scope["method"] == "POST" else receive, capture)
        if status == 200:
            self.cache.put(key, version, b"".join(chunks))

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        # The id RequestTelemetry gave the request (or WebSocket connection): logged, echoed in
        # X-Request-Id, and written with the audit events and outbox rows of its writes.
        record: RequestRecord | None = request.scope.get("state", {}).get("telemetry")
        channel = request.headers.get("x-channel", "")
        return Context(
            db=self.db,
            settings=self.settings,
            viewer=request.scope.get("state", {}).get("viewer"),
            request_id=record.request_id if record is not None else new_request_id(),
            channel=channel if CHANNEL_RE.match(channel) else None,
            gateways=self.gateways,
            broker=self.broker,
            on_commit=self.on_commit,
            webhook_egress=self.webhook_egress,
            client=client_fingerprint(request.client.host if request.client else None,
                                      request.headers.get("user-agent")),
            client_address=request.client.host if request.client else "",
            limiter=self.limiter,
            guard=QueryGuard(self.cost_budget, client_key(request.scope.get("state", {}).get("viewer"),
                                                          request.client.host if request.client else None)),
        )

    def decode_json(self, data: str | bytes) -> object:
        """orjson, whose errors are JSONDecodeError for every bad input (json.loads raises
        RecursionError on "[[[[..." and ValueError on a 5,000-digit number: a 500 either way).
        orjson also refuses lone surrogates ("\\ud800"), which JSON allows: those bodies are read
        by the standard library, and the input checks refuse the text with INVALID on its field."""
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as refusal:
            if "surrogate" not in str(refusal):
                raise
        try:
            return json.loads(data)
        except (RecursionError, ValueError) as unreadable:
            raise json.JSONDecodeError("The body is not readable JSON.", "", 0) from unreadable

    async def execute_single(self, **kwargs: Any) -> ExecutionResult:  # type: ignore[override]
        """One operation within COMMERCE_QUERY_TIMEOUT_SECONDS (QueryCost lifts the deadline for
        mutations): a query that runs longer is stopped and answered with QUERY_TIMEOUT."""
        context: Context = kwargs["context"]
        seconds = self.settings.query_timeout_seconds
        try:
            async with asyncio.timeout(seconds or None) as deadline:
                if context.guard is not None:
                    context.guard.deadline = deadline
                return await super().execute_single(**kwargs)
        except TimeoutError:
            if not deadline.expired():
                raise
            logger.warning("query stopped after %s s (request %s)", seconds, context.request_id)
            record = current_request()
            if record is not None:
                record.add_error_codes(["QUERY_TIMEOUT"])
            return ExecutionResult(
                data=None,
                errors=[GraphQLError(f"The query ran longer than {seconds:g} s and was stopped; ask for less.",
                                     extensions={"code": "QUERY_TIMEOUT"})],
                extensions={"cost": {"requested": context.guard.requested if context.guard else 0,
                                     "limit": self.settings.max_query_cost}})

    def encode_json(self, data: object) -> bytes:
        """HTTP bodies as orjson bytes; TextFrameWebSocketAdapter turns WebSocket messages into text.
        A lone surrogate echoed from a request (in an error message) cannot be UTF-8: it is shown as
        U+FFFD instead of failing the whole response."""
        try:
            return orjson.dumps(data)
        except orjson.JSONEncodeError:
            return orjson.dumps(_without_surrogates(data))


SWEEP_EVERY_SECONDS = 60


def background_workers(db: Database, broker: Broker, settings: Settings) -> tuple[OutboxRelay, WebhookDispatcher]:
    """The outbox relay and the webhook dispatcher it wakes (API processes and `commerce worker`)."""
    dispatcher = WebhookDispatcher(db, policy=RetryPolicy(base_seconds=settings.webhook_retry_base_seconds,
                                                           max_attempts=settings.webhook_max_attempts),
                                   poll_seconds=settings.relay_poll_seconds,
                                   egress=WebhookEgress(allow_private=settings.webhook_allow_private))
    relay = OutboxRelay(db, broker, poll_seconds=settings.relay_poll_seconds, on_published=dispatcher.wake)
    return relay, dispatcher


async def complete_due_orders(db: Database, settings: Settings, now: datetime,
                              on_commit: Callable[[], None] | None = None) -> int:
    """Complete delivered orders whose return window has closed (as of `now`); how many."""
    from app.services.orders import complete_orders
    from app.services.unit_of_work import Actor, UnitOfWork

    async with UnitOfWork(db, Actor(viewer=None, request_id="sweep"), now, on_commit=on_commit) as uow:
        return await complete_orders(uow=uow, window_days=settings.return_window_days)


async def check_exceptions(db: Database, settings: Settings, now: datetime,
                           on_commit: Callable[[], None] | None = None) -> "SweepOutcome":
    """Run the operational checks as of `now`: open what they find, resolve what cleared."""
    from app.services.exceptions import sweep_exceptions, thresholds
    from app.services.unit_of_work import Actor, UnitOfWork

    async with UnitOfWork(db, Actor(viewer=None, request_id="sweep"), now, on_commit=on_commit) as uow:
        return await sweep_exceptions(uow=uow, thresholds=thresholds(settings))


async def sweep_periodically(db: Database, settings: Settings, on_commit: Callable[[], None] | None = None) -> None:
    """Every minute: complete delivered orders whose return window has closed, and run the
    operational checks. Each process runs it; concurrent sweeps are safe (skip-locked orders,
    exceptions opened with ON CONFLICT DO NOTHING)."""
    while True:
        await asyncio.sleep(SWEEP_EVERY_SECONDS)
        now = datetime.now(UTC)
        for what, step in (("completing orders", complete_due_orders), ("running the operational checks",
                                                                        check_exceptions)):
            try:
                await step(db, settings, now, on_commit)
            except Exception:
                logger.exception("%s failed", what)


def create_app(settings: Settings | None = None, *, tune_gc: bool = False, span_exporter: Any = None) -> Starlette:
    """The ASGI app. `tune_gc` (for served processes) freezes start-up objects out of the garbage
    collector's sight and raises the gen-0 threshold: big responses allocate many short-lived objects.
    `span_exporter` (tests) turns tracing on and sends the spans there, whatever the settings say."""
    settings = settings or Settings()
    state: dict[str, Any] = {}
    configure_structlog()
    telemetry = Telemetry(settings, span_exporter=span_exporter)

    gateways = Gateways()

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        db = Database(settings.database_url, audit_key=settings.audit_key)
        broker = make_broker(settings.redis_url)
        await broker.start()
        relay, dispatcher = background_workers(db, broker, settings)
        limiter = make_rate_limiter(settings)
        state.update(db=db, broker=broker, relay=relay, dispatcher=dispatcher, limiter=limiter)
        telemetry.start(db, broker.subscriber_count)
        state["graphql"] = GraphQLApp(db=db, settings=settings, broker=broker, gateways=gateways,
                                      on_commit=relay.wake if settings.run_relay else None, limiter=limiter,
                                      telemetry=telemetry)
        tasks = [asyncio.create_task(sweep_periodically(db, settings, relay.wake if settings.run_relay else None))]
        if settings.run_relay:
            tasks += [asyncio.create_task(relay.run()), asyncio.create_task(dispatcher.run())]
        if tune_gc:
            gc.collect()
            gc.freeze()
            gc.set_threshold(50_000, 20, 20)
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if state["graphql"].cost_budget is not None:
                await state["graphql"].cost_budget.close()
            await broker.stop()
            await limiter.close()
            await telemetry.stop()
            await db.dispose()

    class GraphQLEndpoint:
        """Routes /graphql (HTTP and WebSocket) to the app built in the lifespan."""

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            await state["graphql"](scope, receive, send)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        report: dict[str, object] = {"status": "ok", "database": "ok", "broker": "ok"}
        for name, check in (("database", state["db"].ping), ("broker", state["broker"].ping)):
            try:
                await check()
            except Exception as exc:  # noqa: BLE001 - any failure means not ready
                report.update({"status": "unavailable", name: type(exc).__name__})
        report["subscriptions"] = state["broker"].subscriber_count()
        return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503)

    def on_commit() -> Callable[[], None] | None:
        return state["relay"].wake if settings.run_relay else None

    webhook_routes = [Route(path, handler, methods=["POST"])
                      for path, handler in inbound.routes(lambda: state["db"], settings, gateways, on_commit,
                                                                   lambda: state["limiter"])]

    endpoint = GraphQLEndpoint()
    app = Starlette(routes=[
        Route("/graphql", endpoint, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", endpoint),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics_endpoint(telemetry, lambda: state.get("db"))),
        *webhook_routes,
        *console_routes(),
    ], middleware=[Middleware(RequestTelemetry, telemetry=telemetry), Middleware(BodyLimit)], lifespan=lifespan)
    app.state.settings = settings
    app.state.runtime = state
    app.state.telemetry = telemetry
    return app
