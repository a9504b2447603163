"""Where a listing request's time goes, in-process: no sockets, no load generator.

    .venv/bin/python -m bench.hotspots --products 3000 --first 100 --requests 200

Seeds a temporary SQLite store (or uses --database-url as it is), builds the served app
(`app.cli.served_app`) and bench/plain.py, calls both through ASGI one request at a time, and
prints CPU per request for each, then a cProfile of the GraphQL requests: self time by component
and the heaviest functions. cProfile inflates code made of many small calls (the GraphQL executor
most of all), so read its shares as an upper bound and the unprofiled timings as the truth.
"""

import argparse
import asyncio
import contextlib
import cProfile
import os
import pstats
import secrets
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from bench.run import QUERY, REPO_DIR, prepare

Asgi = Callable[[MutableMapping[str, Any], Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
                Awaitable[None]]
PROJECT_DIRS = ("app/", "schema/", "resolvers/", "models/")


async def post(app: Asgi, path: str, body: bytes) -> bytes:
    """One POST through the ASGI interface, as uvicorn would make it."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"bench"), (b"content-type", b"application/json")],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80), "state": {}}
    chunks: list[bytes] = []
    received = False

    async def receive() -> dict[str, Any]:
        nonlocal received
        if received:
            await asyncio.Event().wait()  # the client never disconnects
        received = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return b"".join(chunks)


def component(filename: str, function: str) -> str:
    if filename == "~":
        return "builtins"
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0]
    relative = filename.removeprefix(str(REPO_DIR) + "/")
    if relative.startswith(PROJECT_DIRS):
        return "project: " + relative.split("/", 1)[0]
    return "stdlib: " + Path(filename).stem


def report_profile(stats: pstats.Stats, requests: int, cpu_ms_per_request: float, top: int) -> float:
    """Prints the breakdown; returns the fields the executor resolved per request."""
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in raw.values()) or 1.0
    by_component: defaultdict[str, float] = defaultdict(float)
    for (filename, _, function), entry in raw.items():
        by_component[component(filename, function)] += entry[2]
    print(f"\nself time by component (share of profiled time; ~ms per request scaled to the unprofiled "
          f"{cpu_ms_per_request:.1f} ms CPU)")
    for name, seconds in sorted(by_component.items(), key=lambda item: -item[1])[:14]:
        print(f"  {seconds / total:6.1%}  {seconds / total * cpu_ms_per_request:6.2f} ms  {name}")

    def label(key: tuple[str, int, str]) -> str:
        filename, line, function = key
        short = filename.split("site-packages/", 1)[-1].removeprefix(str(REPO_DIR) + "/")
        return f"{short}:{line}({function})" if filename != "~" else function

    print(f"\ntop {top} functions by self time (calls per request, share)")
    for key, entry in sorted(raw.items(), key=lambda item: -item[1][2])[:top]:
        print(f"  {entry[2] / total:6.1%}  {entry[1] / requests:8.0f}  {label(key)}")
    fields = sum(entry[1] for (filename, _, function), entry in raw.items()
                 if function == "execute_field" and filename.endswith("graphql/execution/executor.py"))
    return fields / requests


async def count_database_calls(request: Awaitable[bytes]) -> tuple[int, list[str]]:
    """Pool checkouts and statements (BEGIN included) of one request, on every engine."""
    checkouts = 0
    statements: list[str] = []

    def on_checkout(*_: Any) -> None:
        nonlocal checkouts
        checkouts += 1

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # SQLAlchemy puts the outermost FROM at the start of a line.
        tables = [line.split()[1] for line in statement.splitlines() if line.startswith("FROM ")]
        statements.append(f"{statement.split()[0]} {tables[0] if tables else ''}".strip())

    event.listen(Pool, "checkout", on_checkout)
    event.listen(Engine, "before_cursor_execute", on_execute)
    try:
        await request
    finally:
        event.remove(Pool, "checkout", on_checkout)
        event.remove(Engine, "before_cursor_execute", on_execute)
    return checkouts, statements


async def measure(graphql: Asgi, plain: Asgi, first: int, requests: int, top: int) -> None:
    graphql_body = orjson.dumps({"query": QUERY, "variables": {"first": first}})
    endpoints = {"graphql": (graphql, "/graphql", graphql_body),
                 "plain": (plain, "/products", orjson.dumps({"first": first}))}
    answers = {name: orjson.loads(await post(*endpoint)) for name, endpoint in endpoints.items()}
    same = answers["graphql"] == answers["plain"]
    print(f"page of {first}: GraphQL and plain responses {'identical' if same else 'DIFFERENT'}")
    for name, endpoint in endpoints.items():
        checkouts, statements = await count_database_calls(post(*endpoint))
        print(f"{name:>7}: {checkouts} connection checkouts, {len(statements)} statements per request "
              f"({', '.join(statements)})")
    for app, path, body in endpoints.values():
        for _ in range(max(20, requests // 5)):
            await post(app, path, body)
    cpu_ms: dict[str, float] = {}
    for name, (app, path, body) in endpoints.items():
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(requests):
            await post(app, path, body)
        cpu_ms[name] = (time.process_time() - cpu) * 1000 / requests
        print(f"{name:>7}: {(time.perf_counter() - wall) * 1000 / requests:6.2f} ms wall, "
              f"{cpu_ms[name]:6.2f} ms CPU per request (sequential)")
    print(f"plain / GraphQL CPU per request: {cpu_ms['plain'] / cpu_ms['graphql']:.1%}")

    app, path, body = endpoints["graphql"]
    # Main-thread CPU: waits on the event loop and on the SQLite threads are not charged to anyone.
    profiler = cProfile.Profile(time.thread_time)
    profiler.enable()
    for _ in range(requests):
        await post(app, path, body)
    profiler.disable()
    fields = report_profile(pstats.Stats(profiler), requests, cpu_ms["graphql"], top)
    extra_us = (cpu_ms["graphql"] - cpu_ms["plain"]) * 1000
    print(f"\n{fields:.0f} fields resolved per request: GraphQL costs {extra_us / fields:.1f} us CPU "
          f"per field more than the plain endpoint")


async def run(first: int, requests: int, top: int) -> None:
    from app.cli import served_app
    from bench.plain import create_app

    graphql, plain = served_app(), create_app()
    async with graphql.router.lifespan_context(graphql), plain.router.lifespan_context(plain):
        await measure(graphql, plain, first, requests, top)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=3000,
                        help="products to seed in a temporary SQLite store")
    parser.add_argument("--database-url", help="an already seeded database to use instead")
    parser.add_argument("--first", type=int, default=100, help="page size (1-100)")
    parser.add_argument("--requests", type=int, default=200, help="requests per measurement")
    parser.add_argument("--top", type=int, default=20, help="functions to list")
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        database_url = args.database_url
        os.environ.update({"COMMERCE_ENV": "production", "COMMERCE_SECRET_KEY": secrets.token_urlsafe(48)})
        if database_url is None:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="commerce-hotspots-")))
            database_url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
            prepare({**os.environ, "COMMERCE_DATABASE_URL": database_url}, args.products, workdir)
        os.environ["COMMERCE_DATABASE_URL"] = database_url
        asyncio.run(run(args.first, args.requests, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
