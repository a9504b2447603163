"""Storefront listing benchmark: `commerce serve` (GraphQL) against bench/plain.py (Core + orjson).

    .venv/bin/python bench/run.py --products 3000 --concurrency 8 --duration 10 --sizes 20,100

Seeds a fresh database (a temporary SQLite file, or a PostgreSQL database it creates and drops with
--database-url), starts both servers with one worker each on one pinned core, checks that they
return identical data, then drives each with a closed loop of `--concurrency` clients for
`--duration` seconds (or `--max-requests`, whichever comes first), in `--rounds` slices that
alternate the endpoints. Prints a markdown table and writes bench/results/*.json. See bench/README.md.
"""

import argparse
import asyncio
import contextlib
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx
import orjson

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
HOST = "127.0.0.1"
QUERY = ("query Page($first: Int!) { products(first: $first) { edges { node { id name slug "
         "price { amount currency } category { id name } "
         "variants { id sku name price { amount } quantityAvailable } } } } }")
JSON_HEADERS = {"content-type": "application/json"}
# A saturated server keeps its core busy; below this share of it, something else held it back.
STARVED_SERVER = 0.85
PACKAGES = ("strawberry-graphql", "graphql-core", "starlette", "uvicorn", "sqlalchemy", "aiosqlite",
            "asyncpg", "orjson", "httpx", "uvloop", "httptools")


@dataclass(frozen=True)
class Endpoint:
    name: str
    url: str
    pid: int

    def body(self, size: int) -> bytes:
        if self.name == "graphql":
            return orjson.dumps({"query": QUERY, "variables": {"first": size}})
        return orjson.dumps({"first": size})


@dataclass
class Sample:
    """One timed slice of load on one endpoint."""

    latencies: list[float]
    errors: int
    seconds: float
    server_cpu: float
    client_cpu: float
    machine_cpu: float

    @property
    def other_cpu(self) -> float:
        return max(0.0, self.machine_cpu - self.server_cpu - self.client_cpu)


@dataclass(frozen=True)
class Measurement:
    endpoint: str
    page_size: int
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    # Server process CPU (user + system) per request, and its share of one core during the run.
    server_cpu_ms_per_request: float
    server_cpu_share: float
    client_cpu_share: float
    # Busy cores of the whole machine beyond the server and this script: the database server on
    # PostgreSQL, otherwise foreign load that makes the figures less trustworthy.
    other_cpu_share: float
    rps_per_round: list[float]
    server_cpu_per_round: list[float]
    other_cpu_per_round: list[float]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=3000, help="products to seed")
    parser.add_argument("--response-cache", action=argparse.BooleanOptionalAction, default=False,
                        help="let the API answer repeated anonymous catalog reads from its response cache")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per endpoint and size")
    parser.add_argument("--max-requests", type=int, default=100_000,
                        help="cap of requests per endpoint and size")
    parser.add_argument("--rounds", type=int, default=3,
                        help="slices the duration is cut into, alternating the endpoints, so that drift of a "
                             "shared machine hits both alike")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per endpoint and size")
    parser.add_argument("--sizes", default="20,100", help="comma-separated page sizes (1-100)")
    parser.add_argument("--pin", action=argparse.BooleanOptionalAction,
                        default=len(os.sched_getaffinity(0)) > 1,
                        help="run the servers on the first CPU and the load generator on the others "
                             "(default with 2+ CPUs)")
    parser.add_argument("--database-url", help="a PostgreSQL URL (postgresql+asyncpg://...) whose database "
                                               "this script creates and drops; default: temporary SQLite")
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if not args.sizes or not all(1 <= s <= 100 for s in args.sizes):
        parser.error("--sizes must be page sizes between 1 and 100")
    if min(args.concurrency, args.max_requests, args.rounds) < 1 or args.duration <= 0:
        parser.error("--concurrency, --duration, --max-requests and --rounds must be positive")
    if args.pin and len(os.sched_getaffinity(0)) < 2:
        parser.error("--pin needs two CPUs or more")
    if args.database_url and not args.database_url.startswith("postgresql"):
        parser.error("--database-url must be a PostgreSQL URL; SQLite runs in a temporary directory")
    return args


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent on anything but idle and I/O wait since boot, from /proc/stat."""
    # user nice system idle iowait irq softirq steal
    ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


# ---------------------------------------------------------------- databases and servers

def commerce_command() -> str:
    beside = Path(sys.executable).parent / "commerce"
    found = str(beside) if beside.exists() else shutil.which("commerce")
    if found is None:
        raise SystemExit("`commerce` is not installed: run with the project's virtualenv python")
    return found


@contextlib.contextmanager
def postgres_database(url: str) -> Iterator[str]:
    """Create the database named in `url` (refusing one that exists) and drop it afterwards."""
    import asyncpg  # type: ignore[import-untyped]
    from sqlalchemy.engine import make_url

    target = make_url(url)
    name = target.database
    if not name:
        raise SystemExit("--database-url must name a database")
    admin = target.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)

    async def execute(sql: str) -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    async def exists() -> bool:
        conn = await asyncpg.connect(admin)
        try:
            return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
        finally:
            await conn.close()

    if asyncio.run(exists()):
        raise SystemExit(f"database {name!r} exists already: drop it or name another one")
    quoted = '"' + name.replace('"', '""') + '"'
    asyncio.run(execute(f"CREATE DATABASE {quoted}"))
    try:
        yield url
    finally:
        asyncio.run(execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))


def prepare(env: dict[str, str], products: int, logs: Path) -> None:
    commerce = commerce_command()
    for step in (["migrate"], ["seed", "--products", str(products)]):
        started = time.perf_counter()
        done = subprocess.run([commerce, *step], env=env, cwd=REPO_DIR, capture_output=True, text=True,
                              timeout=600, check=False)
        (logs / f"{step[0]}.log").write_text(done.stdout + done.stderr)
        if done.returncode != 0:
            raise SystemExit(f"commerce {step[0]} failed:\n{done.stdout}{done.stderr}")
        print(f"commerce {' '.join(step)}: {time.perf_counter() - started:.1f}s", file=sys.stderr)


@contextlib.contextmanager
def server(name: str, command: list[str], env: dict[str, str],
           logs: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A server process, stopped (SIGTERM, then SIGKILL) however the block ends."""
    log = (logs / f"{name}.log").open("wb")
    process = subprocess.Popen(command, env=env, cwd=REPO_DIR, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


async def wait_ready(client: httpx.AsyncClient, endpoint: Endpoint, process: subprocess.Popen[bytes],
                     logs: Path, timeout: float = 30.0) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{endpoint.name} server exited:\n{(logs / f'{endpoint.name}.log').read_text()}")
        with contextlib.suppress(httpx.TransportError):
            response = await client.post(endpoint.url, content=endpoint.body(1), headers=JSON_HEADERS)
            if response.status_code == 200:
                return
        await asyncio.sleep(0.1)
    raise SystemExit(f"{endpoint.name} server was not ready within {timeout:.0f}s")


# ---------------------------------------------------------------- checks and load

def first_difference(left: Any, right: Any, path: str = "data") -> str | None:
    if type(left) is not type(right):
        return f"{path}: {left!r} != {right!r}"
    if isinstance(left, dict):
        for key in sorted(set(left) | set(right)):
            if key not in left or key not in right:
                return f"{path}.{key}: present on one side only"
            found = first_difference(left[key], right[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(left, list):
        if len(left) != len(right):
            return f"{path}: {len(left)} items != {len(right)}"
        for i, (a, b) in enumerate(zip(left, right, strict=True)):
            found = first_difference(a, b, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if left == right else f"{path}: {left!r} != {right!r}"


async def verify(client: httpx.AsyncClient, graphql: Endpoint, plain: Endpoint, size: int) -> dict[str, Any]:
    answers = []
    for endpoint in (graphql, plain):
        response = await client.post(endpoint.url, content=endpoint.body(size), headers=JSON_HEADERS)
        answers.append(response.json())
    gql, flat = answers
    problem = ("GraphQL errors: " + json.dumps(gql["errors"])) if gql.get("errors") else None
    problem = problem or first_difference(gql.get("data"), flat.get("data"))
    edges = len(((gql.get("data") or {}).get("products") or {}).get("edges") or [])
    return {"page_size": size, "match": problem is None, "difference": problem, "edges": edges}


async def drive(client: httpx.AsyncClient, endpoint: Endpoint, size: int, *, concurrency: int,
                duration: float, max_requests: int) -> Sample:
    """A closed loop: each client sends its next request when the previous one returns, until the
    time or the request budget runs out."""
    body = endpoint.body(size)
    sample = Sample(latencies=[], errors=0, seconds=0.0, server_cpu=0.0, client_cpu=0.0, machine_cpu=0.0)
    issued = 0
    deadline = time.perf_counter() + duration

    async def client_loop() -> None:
        nonlocal issued
        while issued < max_requests and time.perf_counter() < deadline:
            issued += 1
            started = time.perf_counter()
            try:
                response = await client.post(endpoint.url, content=body, headers=JSON_HEADERS)
                ok = response.status_code == 200 and b'"errors"' not in response.content
            except httpx.HTTPError:
                ok = False
            if ok:
                sample.latencies.append(time.perf_counter() - started)
            else:
                sample.errors += 1

    server_before, own_before, machine_before = cpu_seconds(endpoint.pid), time.process_time(), \
        machine_busy_seconds()
    started = time.perf_counter()
    await asyncio.gather(*(client_loop() for _ in range(concurrency)))
    sample.seconds = time.perf_counter() - started
    sample.server_cpu = cpu_seconds(endpoint.pid) - server_before
    sample.client_cpu = time.process_time() - own_before
    sample.machine_cpu = machine_busy_seconds() - machine_before
    return sample


def summarize(endpoint: str, size: int, samples: list[Sample]) -> Measurement:
    latencies = sorted(latency for sample in samples for latency in sample.latencies)
    errors = sum(sample.errors for sample in samples)
    seconds = sum(sample.seconds for sample in samples)
    cpu = sum(sample.server_cpu for sample in samples)
    client_cpu = sum(sample.client_cpu for sample in samples)
    other_cpu = sum(sample.other_cpu for sample in samples)
    done = len(latencies) + errors
    return Measurement(
        endpoint=endpoint, page_size=size, requests=len(latencies), errors=errors, seconds=round(seconds, 3),
        rps=round(len(latencies) / seconds, 1),
        p50_ms=round(statistics.median(latencies) * 1000, 2) if latencies else float("nan"),
        p99_ms=round(percentile(latencies, 0.99) * 1000, 2),
        server_cpu_ms_per_request=round(cpu * 1000 / done, 3) if done else float("nan"),
        server_cpu_share=round(cpu / seconds, 3), client_cpu_share=round(client_cpu / seconds, 3),
        other_cpu_share=round(other_cpu / seconds, 3),
        rps_per_round=[round(len(sample.latencies) / sample.seconds, 1) for sample in samples],
        server_cpu_per_round=[round(sample.server_cpu / sample.seconds, 3) for sample in samples],
        other_cpu_per_round=[round(sample.other_cpu / sample.seconds, 3) for sample in samples])


async def benchmark(args: argparse.Namespace, graphql: Endpoint, plain: Endpoint,
                    processes: dict[str, subprocess.Popen[bytes]], logs: Path) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30.0) as client:
        for endpoint in (graphql, plain):
            await wait_ready(client, endpoint, processes[endpoint.name], logs)
        checks = [await verify(client, graphql, plain, size) for size in args.sizes]
        for check in checks:
            verdict = "identical" if check["match"] else f"DIFFERENT ({check['difference']})"
            print(f"page of {check['page_size']}: {check['edges']} products, "
                  f"GraphQL and plain data {verdict}", file=sys.stderr)
        for size in args.sizes:
            for endpoint in (graphql, plain):
                await drive(client, endpoint, size, concurrency=args.concurrency, duration=args.warmup,
                            max_requests=args.max_requests)
        samples: dict[tuple[str, int], list[Sample]] = {}
        for round_number in range(1, args.rounds + 1):
            for size in args.sizes:
                for endpoint in (graphql, plain):
                    sample = await drive(client, endpoint, size, concurrency=args.concurrency,
                                         duration=args.duration / args.rounds,
                                         max_requests=-(-args.max_requests // args.rounds))
                    samples.setdefault((endpoint.name, size), []).append(sample)
                    print(f"round {round_number}/{args.rounds} {endpoint.name:>7} first={size:<3} "
                          f"{len(sample.latencies) / sample.seconds:8.1f} req/s  "
                          f"server CPU {sample.server_cpu / sample.seconds:.0%}  "
                          f"load generator CPU {sample.client_cpu / sample.seconds:.0%}  "
                          f"other CPU {sample.other_cpu / sample.seconds:.0%}", file=sys.stderr)
    measurements = [summarize(name, size, runs) for (name, size), runs in samples.items()]
    measurements.sort(key=lambda m: (m.page_size, m.endpoint))
    return {"checks": checks, "measurements": measurements}


# ---------------------------------------------------------------- report

def ratios(measurements: list[Measurement]) -> list[dict[str, Any]]:
    by_key = {(m.endpoint, m.page_size): m for m in measurements}
    rows = []
    for size in sorted({m.page_size for m in measurements}):
        gql, flat = by_key[("graphql", size)], by_key[("plain", size)]
        rows.append({
            "page_size": size,
            "rps_ratio": round(gql.rps / flat.rps, 3) if flat.rps else None,
            "cpu_ratio": round(flat.server_cpu_ms_per_request / gql.server_cpu_ms_per_request, 3)
            if gql.server_cpu_ms_per_request else None,
        })
    return rows


def markdown(measurements: list[Measurement], ratio_rows: list[dict[str, Any]]) -> str:
    lines = [("| page size | endpoint | requests | errors | req/s | req/s per round | p50 ms | p99 ms "
              "| server CPU ms/req | server CPU | load generator CPU | other CPU |"),
             "|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
    for m in measurements:
        per_round = " / ".join(f"{rps:.0f}" for rps in m.rps_per_round)
        lines.append(f"| {m.page_size} | {m.endpoint} | {m.requests} | {m.errors} | {m.rps:.1f} "
                     f"| {per_round} | {m.p50_ms:.1f} | {m.p99_ms:.1f} | {m.server_cpu_ms_per_request:.2f} "
                     f"| {m.server_cpu_share:.0%} | {m.client_cpu_share:.0%} | {m.other_cpu_share:.0%} |")
    lines += ["", "| page size | GraphQL / plain req/s | plain / GraphQL CPU per request |",
              "|---:|---:|---:|"]
    for r in ratio_rows:
        lines.append(f"| {r['page_size']} | {r['rps_ratio']:.1%} | {r['cpu_ratio']:.1%} |")
    return "\n".join(lines)


def environment(database: str) -> dict[str, Any]:
    versions = {}
    for package in PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    return {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
            "database": database, "packages": versions}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so the servers are stopped and the temporary files removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="commerce-bench-")))
        if args.database_url:
            database_url = stack.enter_context(postgres_database(args.database_url))
        else:
            database_url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        env = {**os.environ, "COMMERCE_DATABASE_URL": database_url, "COMMERCE_ENV": "production",
               "COMMERCE_SECRET_KEY": secrets.token_urlsafe(48), "PYTHONDONTWRITEBYTECODE": "1",
               # Off by default: every request of the load repeats one document, which the cache
               # would answer without executing it (measure that with --response-cache).
               "COMMERCE_RESPONSE_CACHE_SECONDS": "2.0" if args.response_cache else "0"}
        prepare(env, args.products, workdir)

        graphql_port, plain_port = free_port(), free_port()
        cpus = os.sched_getaffinity(0)
        if args.pin:
            # Children inherit the affinity they are started with.
            os.sched_setaffinity(0, {min(cpus)})
        processes = {
            "graphql": stack.enter_context(server("graphql", [
                commerce_command(), "serve", "--host", HOST, "--port", str(graphql_port), "--workers", "1",
                "--log-level", "warning"], env, workdir)),
            "plain": stack.enter_context(server("plain", [
                sys.executable, "-m", "uvicorn", "--factory", "bench.plain:create_app", "--host", HOST,
                "--port", str(plain_port), "--workers", "1", "--log-level", "warning", "--no-access-log"],
                env, workdir)),
        }
        if args.pin:
            os.sched_setaffinity(0, cpus - {min(cpus)})
        graphql = Endpoint("graphql", f"http://{HOST}:{graphql_port}/graphql", processes["graphql"].pid)
        plain = Endpoint("plain", f"http://{HOST}:{plain_port}/products", processes["plain"].pid)
        outcome = asyncio.run(benchmark(args, graphql, plain, processes, workdir))

    measurements: list[Measurement] = outcome["measurements"]
    ratio_rows = ratios(measurements)
    backend = "postgresql" if args.database_url else "sqlite"
    print(markdown(measurements, ratio_rows))
    if any(share < STARVED_SERVER for m in measurements for share in m.server_cpu_per_round):
        print(f"\nwarning: in some rounds a server used less than {STARVED_SERVER:.0%} of its core: it was "
              "starved by other load or waited on the database; compare the rounds before trusting "
              "the totals", file=sys.stderr)
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = RESULTS_DIR / f"listing-{backend}-{stamp}.json"
    target.write_bytes(orjson.dumps({
        "at": stamp, "query": QUERY,
        "settings": {k: v for k, v in vars(args).items() if k != "database_url"},
        "environment": environment(backend),
        "checks": outcome["checks"],
        "measurements": [asdict(m) for m in measurements],
        "ratios": ratio_rows,
    }, option=orjson.OPT_INDENT_2))
    print(f"\nwrote {target.relative_to(REPO_DIR)}", file=sys.stderr)
    return 0 if all(c["match"] for c in outcome["checks"]) else 1


if __name__ == "__main__":
    sys.exit(main())
