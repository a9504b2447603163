"""Limits enforced at the transport, before anything is parsed: request body sizes (every HTTP path)
and concurrent WebSocket connections (per signed-in user and per client address), plus a strict
reading of graphql-transport-ws frames."""

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)

from app.observability.requests import bound, current_request, new_request_id, role_of

GRAPHQL_BODY_LIMIT = 1024 * 1024
WEBHOOK_BODY_LIMIT = 64 * 1024
# First matching path prefix wins; any other path gets the smallest limit.
BODY_LIMITS: tuple[tuple[str, int], ...] = (("/graphql", GRAPHQL_BODY_LIMIT), ("/webhooks/", WEBHOOK_BODY_LIMIT))
DEFAULT_BODY_LIMIT = WEBHOOK_BODY_LIMIT

logger = logging.getLogger("commerce.limits")

# WebSocket close codes (graphql-transport-ws uses 44xx for its own refusals; 4400 and 4429 are its
# "bad request" and "too many" codes).
CLOSE_MALFORMED = 4400
CLOSE_TOO_MANY_CONNECTIONS = 4429


def body_limit_for(path: str, limits: Sequence[tuple[str, int]] = BODY_LIMITS) -> int:
    return next((limit for prefix, limit in limits if path.startswith(prefix)), DEFAULT_BODY_LIMIT)


async def _refuse(send: Send, status: int, message: str, code: str) -> None:
    body = orjson.dumps({"data": None, "errors": [{"message": message, "extensions": {"code": code}}]})
    # The rest of the body is never read: tell the client this connection is done.
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuses an HTTP request whose body is over its path's limit with 413: at once when its
    Content-Length says so, otherwise as soon as the bytes received pass the limit. At most the
    limit is held in memory; the app then reads the body from that buffer, so every handler behind
    this middleware sees a bounded body."""

    def __init__(self, app: ASGIApp, limits: Sequence[tuple[str, int]] = BODY_LIMITS) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit_for(scope["path"], self.limits)
        too_large = f"The request body is larger than the {limit} bytes allowed here."
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            if not (declared.isdigit() and len(declared) <= 18):
                await _refuse(send, 400, "Content-Length must be a whole number of bytes.", "BAD_REQUEST")
                return
            if int(declared) > limit:
                logger.info("refused (PAYLOAD_TOO_LARGE): %s %s declares %s bytes", scope["method"],
                            scope["path"][:100], int(declared))
                await _refuse(send, 413, too_large, "PAYLOAD_TOO_LARGE")
                return
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > limit:
                logger.info("refused (PAYLOAD_TOO_LARGE): %s %s sent more than %s bytes", scope["method"],
                            scope["path"][:100], limit)
                await _refuse(send, 413, too_large, "PAYLOAD_TOO_LARGE")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        buffered: Message | None = {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        async def replay() -> Message:
            nonlocal buffered
            if buffered is not None:
                message, buffered = buffered, None
                return message
            return await receive()  # after the body: http.disconnect, when it comes

        await self.app(scope, replay, send)


class ConnectionLimitReached(Exception):
    """Too many WebSocket connections open for one user or one client address."""


class ConnectionLimits:
    """Counts the open WebSocket connections of this process by key ("user:<id>", "address:<ip>").
    Each claim belongs to an owner (the connection's context) and ends with `release(owner)`."""

    def __init__(self, *, per_user: int, per_address: int) -> None:
        self.per_user = per_user
        self.per_address = per_address
        self.open: Counter[str] = Counter()
        self.claims: dict[int, list[str]] = {}

    def claim_address(self, owner: object, address: str | None) -> None:
        self._claim(owner, f"address:{address or '?'}", self.per_address,
                    f"Too many open connections from this address (at most {self.per_address}).")

    def claim_user(self, owner: object, user_id: object) -> None:
        self._claim(owner, f"user:{user_id}", self.per_user,
                    f"Too many open connections for this account (at most {self.per_user}).")

    def _claim(self, owner: object, key: str, cap: int, refusal: str) -> None:
        if self.open[key] >= cap:
            logger.info("refused (TOO_MANY_CONNECTIONS): %s has %s open", key[:100], self.open[key])
            raise ConnectionLimitReached(refusal)
        self.open[key] += 1
        self.claims.setdefault(id(owner), []).append(key)

    def release(self, owner: object) -> None:
        for key in self.claims.pop(id(owner), ()):
            self.open[key] -= 1
            if self.open[key] <= 0:
                del self.open[key]


def _is_well_formed(message: object) -> bool:
    """A graphql-transport-ws message as the handler expects it: an object with a string `type`,
    and for subscribe/complete a string `id` (and a subscribe payload with a string `query`)."""
    if not isinstance(message, Mapping) or not isinstance(message.get("type"), str):
        return False
    kind = message["type"]
    if kind in ("subscribe", "complete") and not isinstance(message.get("id"), str):
        return False
    if kind == "subscribe":
        payload: Any = message.get("payload")
        return (isinstance(payload, Mapping) and isinstance(payload.get("query"), str)
                and isinstance(payload.get("variables") or {}, Mapping)
                and isinstance(payload.get("operationName") or "", str))
    return True


class GuardedTransportWSHandler(BaseGraphQLTransportWSHandler):  # type: ignore[type-arg]
    """Strawberry's graphql-transport-ws handler with connection caps and strict frames: a client
    address over its cap is closed with 4429 on connect, a user over theirs at connection_init
    (the view's on_ws_connect raises ConnectionLimitReached), and a frame that is not a well-formed
    message (`[1,2]`, a subscribe without a string id) is closed with 4400."""

    @property
    def limits(self) -> ConnectionLimits:
        return self.view.connection_limits  # type: ignore[attr-defined,no-any-return]

    async def handle(self) -> None:
        client = getattr(getattr(self.websocket, "ws", None), "client", None)
        try:
            self.limits.claim_address(self.context, client.host if client else None)
        except ConnectionLimitReached as refusal:
            await self.websocket.close(code=CLOSE_TOO_MANY_CONNECTIONS, reason=str(refusal))
            return
        try:
            await super().handle()
        finally:
            self.limits.release(self.context)

    async def handle_message(self, message: Any) -> None:
        if not _is_well_formed(message):
            await self.handle_invalid_message("Not a graphql-transport-ws message")
            return
        await super().handle_message(message)

    async def run_operation(self, operation: Operation) -> None:  # type: ignore[type-arg]
        """One operation on the socket, as its own request for the logs and metrics: one line when it
        ends (complete, error, or stopped by the client or the socket closing), under the
        connection's request id."""
        telemetry = getattr(self.view, "telemetry", None)
        if telemetry is None:
            await super().run_operation(operation)
            return
        connection = current_request()
        record = telemetry.record(connection.request_id if connection else new_request_id(), "ws")
        record.role = role_of(getattr(self.context, "viewer", None))
        started = time.perf_counter()
        status = "complete"
        with bound(record):
            try:
                await super().run_operation(operation)
            except asyncio.CancelledError:
                status = "stopped"
                raise
            except Exception:
                status = "failed"
                raise
            finally:
                if record.operation is None:
                    record.name_operation(operation.operation_name, None)
                if status == "complete" and record.errors:
                    status = "error"
                telemetry.finish_ws_operation(record, status, time.perf_counter() - started)

    async def handle_connection_init(self, message: Any) -> None:
        try:
            await super().handle_connection_init(message)
        except ConnectionLimitReached as refusal:
            await self.websocket.close(code=CLOSE_TOO_MANY_CONNECTIONS, reason=str(refusal))
