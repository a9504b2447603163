"""OpenTelemetry tracing, off unless COMMERCE_OTEL_EXPORTER_OTLP_ENDPOINT is set (or a test hands
`create_app` a span exporter). The SDK is imported only then, so a server without tracing pays
nothing for it.

One span per GraphQL operation (schema/extensions.py, OperationTelemetry) and one per SQL
statement run inside it (SQLAlchemy cursor events), as its children; none per resolved field.
Statements run outside an operation (the outbox relay, webhook delivery) make no spans. Span
attributes name the operation and carry the SQL text with its placeholders, never variables or
bound values. The tracer provider belongs to the app (not the global one), and shuts down with it."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.settings import Settings

SPANS_KEY = "commerce_otel_spans"
MAX_STATEMENT_CHARS = 2000
TRACES_PATH = "/v1/traces"


def traces_endpoint(base_url: str) -> str:
    """OTLP/HTTP takes a base URL (as OTEL_EXPORTER_OTLP_ENDPOINT does) and posts to /v1/traces."""
    url = base_url.rstrip("/")
    return url if url.endswith(TRACES_PATH) else url + TRACES_PATH


class Tracing:
    def __init__(self, provider: Any) -> None:
        from opentelemetry import trace

        self.provider = provider
        self.tracer = provider.get_tracer("commerce")
        self._trace = trace
        self._listeners: list[tuple[Engine, str, Any]] = []

    @classmethod
    def build(cls, settings: Settings, exporter: Any = None) -> "Tracing | None":
        """Tracing to the OTLP collector of the settings, or to `exporter` (tests: the SDK's
        InMemorySpanExporter, exported as each span ends); None when neither is given."""
        if exporter is None and not settings.otel_exporter_otlp_endpoint:
            return None
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

        provider = TracerProvider(resource=Resource.create({"service.name": settings.otel_service_name}))
        if exporter is not None:
            provider.add_span_processor(SimpleSpanProcessor(exporter))
        else:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            assert settings.otel_exporter_otlp_endpoint is not None
            provider.add_span_processor(BatchSpanProcessor(
                OTLPSpanExporter(endpoint=traces_endpoint(settings.otel_exporter_otlp_endpoint))))
        return cls(provider)

    @contextmanager
    def operation(self, provided_name: str | None) -> Iterator[Any]:
        """The span of one GraphQL operation, current while it runs (SQL spans become its children)."""
        with self.tracer.start_as_current_span(
                f"graphql {provided_name or 'operation'}", kind=self._trace.SpanKind.SERVER) as span:
            yield span

    def instrument(self, engines: list[Engine]) -> None:
        for engine in engines:
            for name, listener in (("before_cursor_execute", self._before), ("after_cursor_execute", self._after),
                                   ("handle_error", self._error)):
                event.listen(engine, name, listener)
                self._listeners.append((engine, name, listener))

    def shutdown(self) -> None:
        for engine, name, listener in self._listeners:
            event.remove(engine, name, listener)
        self._listeners.clear()
        self.provider.shutdown()

    def _before(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not self._trace.get_current_span().is_recording():
            return
        verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
        span = self.tracer.start_span(verb, kind=self._trace.SpanKind.CLIENT, attributes={
            "db.system.name": conn.dialect.name, "db.query.text": statement[:MAX_STATEMENT_CHARS]})
        conn.info.setdefault(SPANS_KEY, []).append(span)

    def _after(self, conn: Any, *_args: Any) -> None:
        spans = conn.info.get(SPANS_KEY)
        if spans:
            spans.pop().end()

    def _error(self, context: Any) -> None:
        conn = context.connection
        spans = conn.info.get(SPANS_KEY) if conn is not None else None
        if spans:
            span = spans.pop()
            span.set_status(self._trace.Status(self._trace.StatusCode.ERROR, type(context.original_exception).__name__))
            span.end()
