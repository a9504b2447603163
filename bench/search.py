"""Product search benchmark: server CPU per searched storefront page on a seeded catalog.

    .venv/bin/python -m bench.search --products 10000 --requests 200 --sizes 20,100
    .venv/bin/python -m bench.search --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/commerce_search_bench

Seeds a fresh store (`commerce migrate`, `commerce seed --products N`: a temporary SQLite file, or a
PostgreSQL database this script creates and drops), starts `commerce serve` (one worker, production
mode, response cache off, pinned to the first CPU), then sends each search case `--requests` times
one after the other (no concurrency: the figure asked for is CPU per request, not throughput) and
reads the server's CPU time from /proc before and after. On PostgreSQL it runs ANALYZE after the
seed (as autovacuum would shortly) and also reads the CPU time of the database backends serving the
benchmark database, which is where the matching and ranking run.
Prints a markdown table and writes bench/results/search-<db>-<time>.json. See bench/README.md.
"""

import argparse
import asyncio
import contextlib
import os
import secrets
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson

from bench.run import (
    HOST,
    JSON_HEADERS,
    REPO_DIR,
    RESULTS_DIR,
    commerce_command,
    cpu_seconds,
    environment,
    free_port,
    percentile,
    postgres_database,
    prepare,
    server,
)

QUERY = ("query Search($first: Int!, $search: String, $sort: ProductSort, $options: [OptionFilter!], "
         "$facets: Boolean!) { "
         "products(first: $first, filter: {search: $search, options: $options}, sort: $sort) { totalCount "
         "facets @include(if: $facets) { name values { value count } } edges { node { "
         "id name slug price { amount currency } category { id name } "
         "variants { id sku name price { amount } quantityAvailable } } } } }")
# The faceted shelf: a search narrowed by an option, with the option's facet counts (the seed gives
# every variant a Size option).
SHELF = [{"name": "Size", "values": ["M", "L"]}]
RELEVANCE = {"field": "RELEVANCE", "direction": "DESC"}
# (label, search text, sort): on the demo catalog (`commerce seed`, names "<Adjective> <Noun> <n>",
# SKUs SKU-<id:06>-<size>), from a handful of matches to every product.
CASES: list[tuple[str, str | None, dict[str, str] | None]] = [
    ("no search (the storefront page, for comparison)", None, None),
    ("two words, RELEVANCE", "alpine tee", RELEVANCE),
    ("an SKU, RELEVANCE", "SKU-000002-M", RELEVANCE),
    ("one word, RELEVANCE", "trail", RELEVANCE),
    ("a prefix as typed, RELEVANCE", "alp", RELEVANCE),
    ("one word, sorted by NAME", "trail", {"field": "NAME", "direction": "ASC"}),
    ("a word in every product, RELEVANCE", "sku", RELEVANCE),
    ("faceted shelf: one word, Size M or L, with facets", "trail", RELEVANCE),
    ("faceted shelf: no search, Size M or L, with facets", None, None),
]
TARGET_MS = 50.0


@dataclass(frozen=True)
class Result:
    case: str
    search: str | None
    sort: str | None
    page_size: int
    matches: int
    edges: int
    requests: int
    server_cpu_ms: float
    database_cpu_ms: float | None
    p50_ms: float
    p95_ms: float


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=10_000, help="products to seed")
    parser.add_argument("--requests", type=int, default=200, help="requests per case and page size")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured requests per case and page size")
    parser.add_argument("--sizes", default="20,100", help="comma-separated page sizes (1-100)")
    parser.add_argument("--pin", action=argparse.BooleanOptionalAction, default=len(os.sched_getaffinity(0)) > 1,
                        help="run the server on the first CPU and this script on the others (default with 2+ CPUs)")
    parser.add_argument("--database-url", help="a PostgreSQL URL (postgresql+asyncpg://...) whose database this "
                                               "script creates and drops; default: temporary SQLite")
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if not args.sizes or not all(1 <= s <= 100 for s in args.sizes) or args.requests < 1:
        parser.error("--sizes must be page sizes between 1 and 100, --requests positive")
    if args.database_url and not args.database_url.startswith("postgresql"):
        parser.error("--database-url must be a PostgreSQL URL; SQLite runs in a temporary directory")
    return args


async def backend_pids(database_url: str | None) -> list[int]:
    """The PostgreSQL backends connected to the benchmark database (the server's pool)."""
    if database_url is None:
        return []
    import asyncpg  # type: ignore[import-untyped]
    from sqlalchemy.engine import make_url

    target = make_url(database_url)
    admin = target.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    conn = await asyncpg.connect(admin)
    try:
        rows = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1 AND backend_type = "
                                "'client backend'", target.database)
    finally:
        await conn.close()
    return [row["pid"] for row in rows]


async def analyze(database_url: str) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    conn = await asyncpg.connect(make_url(database_url).set(drivername="postgresql")
                                 .render_as_string(hide_password=False))
    try:
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


def cpu_of(pids: list[int]) -> dict[int, float]:
    found = {}
    for pid in pids:
        with contextlib.suppress(OSError):  # a backend that went away
            found[pid] = cpu_seconds(pid)
    return found


async def wait_ready(client: httpx.AsyncClient, url: str, timeout: float = 30.0) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        with contextlib.suppress(httpx.TransportError):
            if (await client.get(url.replace("/graphql", "/healthz"))).status_code == 200:
                return
        await asyncio.sleep(0.1)
    raise SystemExit(f"the server was not ready within {timeout:.0f}s")


async def measure(args: argparse.Namespace, url: str, server_pid: int, database_url: str | None) -> list[Result]:
    results = []
    async with httpx.AsyncClient(timeout=30.0) as client:
        await wait_ready(client, url)
        for label, search, sort in CASES:
            for size in args.sizes:
                shelf = label.startswith("faceted shelf")
                body = orjson.dumps({"query": QUERY, "variables": {
                    "first": size, "search": search, "sort": sort, "options": SHELF if shelf else None,
                    "facets": shelf}})
                answer = (await client.post(url, content=body, headers=JSON_HEADERS)).json()
                if answer.get("errors"):
                    raise SystemExit(f"{label}: {answer['errors']}")
                products = answer["data"]["products"]
                if len(products["edges"]) != min(size, products["totalCount"]):
                    raise SystemExit(f"{label}: {len(products['edges'])} edges for {products['totalCount']} matches")
                for _ in range(args.warmup):
                    await client.post(url, content=body, headers=JSON_HEADERS)
                pids = await backend_pids(database_url)
                server_before, backends_before = cpu_seconds(server_pid), cpu_of(pids)
                latencies = []
                for _ in range(args.requests):
                    started = time.perf_counter()
                    response = await client.post(url, content=body, headers=JSON_HEADERS)
                    latencies.append(time.perf_counter() - started)
                    if response.status_code != 200 or b'"errors"' in response.content:
                        raise SystemExit(f"{label}: {response.status_code} {response.text[:500]}")
                server_cpu = cpu_seconds(server_pid) - server_before
                backends_after = cpu_of(pids)
                database_cpu = sum(backends_after[pid] - backends_before[pid]
                                   for pid in backends_after if pid in backends_before)
                latencies.sort()
                result = Result(
                    case=label, search=search, sort=sort["field"] if sort else None, page_size=size,
                    matches=products["totalCount"], edges=len(products["edges"]), requests=args.requests,
                    server_cpu_ms=round(server_cpu * 1000 / args.requests, 2),
                    database_cpu_ms=round(database_cpu * 1000 / args.requests, 2) if database_url else None,
                    p50_ms=round(statistics.median(latencies) * 1000, 2),
                    p95_ms=round(percentile(latencies, 0.95) * 1000, 2))
                results.append(result)
                print(f"{label:50} first={size:<3} {result.matches:6} matches  server CPU "
                      f"{result.server_cpu_ms:6.2f} ms/req"
                      + (f"  database CPU {result.database_cpu_ms:6.2f} ms/req" if database_url else "")
                      + f"  p50 {result.p50_ms:6.2f} ms", file=sys.stderr)
    return results


def markdown(results: list[Result], postgres: bool) -> str:
    head = "| case | search | first | matches | server CPU ms/req |"
    rule = "|---|---|---:|---:|---:|"
    if postgres:
        head += " PostgreSQL backend CPU ms/req | both |"
        rule += "---:|---:|"
    head += " p50 / p95 ms |"
    rule += "---:|"
    lines = [head, rule]
    for r in results:
        line = (f"| {r.case} | {'`' + r.search + '`' if r.search else '-'} | {r.page_size} | {r.matches} "
                f"| {r.server_cpu_ms:.1f} |")
        if postgres:
            line += f" {r.database_cpu_ms:.1f} | {r.server_cpu_ms + (r.database_cpu_ms or 0):.1f} |"
        lines.append(line + f" {r.p50_ms:.1f} / {r.p95_ms:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="commerce-search-bench-")))
        if args.database_url:
            database_url = stack.enter_context(postgres_database(args.database_url))
        else:
            database_url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        env = {**os.environ, "COMMERCE_DATABASE_URL": database_url, "COMMERCE_ENV": "production",
               "COMMERCE_SECRET_KEY": secrets.token_urlsafe(48), "PYTHONDONTWRITEBYTECODE": "1",
               "COMMERCE_AUDIT_KEY": os.environ.get("COMMERCE_AUDIT_KEY") or secrets.token_urlsafe(32),
               # Every request executes, and one client may send them all (the per-client cost
               # budget, 0: none, would otherwise refuse most of a run).
               "COMMERCE_RESPONSE_CACHE_SECONDS": "0", "COMMERCE_CLIENT_COST_PER_MINUTE": "0"}
        prepare(env, args.products, workdir)
        if args.database_url:
            # What autovacuum does within a minute of the seed: plans made without statistics on
            # freshly filled tables walk every product (the storefront page's too).
            asyncio.run(analyze(database_url))
        port = free_port()
        cpus = os.sched_getaffinity(0)
        if args.pin:
            os.sched_setaffinity(0, {min(cpus)})  # children inherit it
        process = stack.enter_context(server("graphql", [
            commerce_command(), "serve", "--host", HOST, "--port", str(port), "--workers", "1",
            "--log-level", "warning"], env, workdir))
        if args.pin:
            os.sched_setaffinity(0, cpus - {min(cpus)})
        results = asyncio.run(measure(args, f"http://{HOST}:{port}/graphql", process.pid,
                                      database_url if args.database_url else None))

    backend = "postgresql" if args.database_url else "sqlite"
    print(markdown(results, bool(args.database_url)))
    worst = max(r.server_cpu_ms + (r.database_cpu_ms or 0) for r in results if r.search)
    print(f"\nworst searched case: {worst:.1f} ms CPU per request (target: under {TARGET_MS:.0f} ms)",
          file=sys.stderr)
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = RESULTS_DIR / f"search-{backend}-{stamp}.json"
    target.write_bytes(orjson.dumps({
        "at": stamp, "query": QUERY, "settings": {k: v for k, v in vars(args).items() if k != "database_url"},
        "environment": environment(backend), "results": [asdict(r) for r in results],
    }, option=orjson.OPT_INDENT_2))
    print(f"wrote {target.relative_to(REPO_DIR)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
