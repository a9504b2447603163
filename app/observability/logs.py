"""Logging: structlog on top of the standard library, so that our structlog loggers and every
`logging` logger (ours, uvicorn's, Strawberry's) leave through one formatter. Served processes
write one JSON object per line to stdout (production always; development when stdout is not a
terminal); a terminal in development gets structlog's console rendering instead.

Nothing secret is logged: no tokens, passwords, secrets, request bodies, variables or query
strings (where a guest cart's id travels); `redact` drops such keys should one ever be passed."""

import logging
import sys
from typing import Any

import orjson
import structlog
from structlog.types import EventDict, Processor

from app.settings import Settings

SENSITIVE_KEYS = frozenset({"authorization", "password", "token", "access_token", "refresh_token", "secret",
                            "cookie", "variables", "query", "cart_id", "cart"})
HANDLER_NAME = "commerce-structlog"


def redact(_logger: Any, _method: str, event: EventDict) -> EventDict:
    for key in SENSITIVE_KEYS & event.keys():
        event[key] = "[redacted]"
    return event


def _shared_processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact,
    ]


def configure_structlog() -> None:
    """structlog loggers hand their event dicts to the standard library (idempotent; no handler
    is installed here, so tests and embedding apps keep their own)."""
    if structlog.is_configured():
        return
    structlog.configure(
        processors=[structlog.stdlib.filter_by_level, *_shared_processors(),
                    structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


FIRST_KEYS = ("timestamp", "level", "logger", "event", "request_id")


def first_keys_first(_logger: Any, _method: str, event: EventDict) -> EventDict:
    """The same few keys lead every line, in one order."""
    return {**{key: event[key] for key in FIRST_KEYS if key in event}, **event}


def _json(event: EventDict, **_: Any) -> str:
    return orjson.dumps(event, default=str).decode()


def formatter(*, json_lines: bool = True) -> logging.Formatter:
    """The formatter of every log line: JSON (one object per line, tracebacks included as a
    string) or structlog's console rendering."""
    renderer: Processor = (structlog.processors.JSONRenderer(serializer=_json) if json_lines
                           else structlog.dev.ConsoleRenderer())
    final: list[Processor] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if json_lines:
        final += [structlog.processors.format_exc_info, first_keys_first]
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(),
        processors=[*final, renderer],
    )


def wants_json(settings: Settings) -> bool:
    if settings.log_format != "auto":
        return settings.log_format == "json"
    return settings.is_production or not sys.stdout.isatty()


def install(settings: Settings, level: int | str = logging.INFO) -> None:
    """Send every log record of this process to stdout through `formatter` (served processes and
    `commerce worker`; idempotent). Python warnings become log lines too."""
    configure_structlog()
    root = logging.getLogger()
    for handler in root.handlers:
        if handler.get_name() == HANDLER_NAME:
            break
    else:
        handler = logging.StreamHandler(sys.stdout)
        handler.set_name(HANDLER_NAME)
        root.addHandler(handler)
    handler.setFormatter(formatter(json_lines=wants_json(settings)))
    root.setLevel(level.upper() if isinstance(level, str) else level)
    logging.captureWarnings(True)
