"""What one request is known by while it runs: its id, the GraphQL operation it ran, the caller's
role and the error codes of its response. A record is bound to the running task (a context
variable) for an HTTP request, a WebSocket connection, and each operation on a WebSocket, and
read back for the request's log line, its metrics and the outbox rows it writes."""

import re
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import structlog

if TYPE_CHECKING:
    from app.observability.tracing import Tracing

# An incoming X-Request-Id is kept when it is 1-64 of these characters; anything else is replaced.
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
# GraphQL names are [_A-Za-z][_0-9A-Za-z]*; a name the client made up in operationName may be anything.
NAME_CHARS = re.compile(r"[^A-Za-z0-9_]")
MAX_NAME = 64
ANONYMOUS = "anonymous"


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_from(header: str | bytes | None) -> str:
    """The caller's X-Request-Id when it is well-formed, else a new one."""
    if isinstance(header, bytes):
        header = header.decode("latin-1")
    if header and REQUEST_ID_RE.match(header):
        return header
    return new_request_id()


def operation_label(name: str | None) -> str:
    """An operation (or error code) name fit for a log field or a metric label: "anonymous" when
    unnamed, other characters replaced by "_", at most MAX_NAME characters."""
    if not name:
        return ANONYMOUS
    return NAME_CHARS.sub("_", name[:MAX_NAME])


def role_of(viewer: Any) -> str:
    """The caller's roles as one label: "anonymous", "ADMIN", "MANAGER,SUPPORT"."""
    if viewer is None:
        return ANONYMOUS
    return ",".join(sorted(viewer.roles)) or "signed-in"


@dataclass(slots=True)
class RequestRecord:
    request_id: str
    transport: str  # "http" or "ws"
    operation: str | None = None  # None until a GraphQL operation is parsed (and for other routes)
    operation_type: str | None = None  # "query", "mutation", "subscription"
    role: str = ANONYMOUS
    errors: Counter[str] = field(default_factory=Counter)
    tracing: "Tracing | None" = None
    # A few more fields for the log line (e.g. an inbound webhook's id); never secrets.
    fields: dict[str, str] = field(default_factory=dict)

    def set_viewer(self, viewer: Any) -> None:
        self.role = role_of(viewer)

    def name_operation(self, name: str | None, operation_type: str | None) -> None:
        self.operation = operation_label(name)
        self.operation_type = operation_type

    def add_error_codes(self, codes: "list[str]") -> None:
        for code in codes:
            self.errors[operation_label(code) if code else "UNKNOWN"] += 1


_CURRENT: ContextVar[RequestRecord | None] = ContextVar("commerce_request", default=None)


def current_request() -> RequestRecord | None:
    return _CURRENT.get()


@contextmanager
def bound(record: RequestRecord) -> Iterator[RequestRecord]:
    """Make `record` the current request (and its id part of every log line) within the block."""
    token = _CURRENT.set(record)
    try:
        with structlog.contextvars.bound_contextvars(request_id=record.request_id):
            yield record
    finally:
        _CURRENT.reset(token)
