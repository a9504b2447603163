"""Abuse-resistance latencies against a real `commerce serve`: how fast hostile documents are refused,
and how promptly `/healthz` answers while a sign-in flood hashes passwords.

    .venv/bin/python bench/abuse.py                  # a temporary SQLite file
    .venv/bin/python bench/abuse.py --rounds 10 --flood 20

The tests check that these requests are refused with their codes and that password hashing runs off
the event loop; how long it takes is measured here, against the targets the API promises:
a 21- or 41-level fragment fan-out refused in under 100 ms, and `/healthz` under 50 ms (95th
percentile) during a flood of 20 concurrent sign-ins. Prints a markdown table and exits 1 when a
target is missed.
"""

import argparse
import asyncio
import contextlib
import os
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.run import HOST, commerce_command, free_port, percentile, server

FRAGMENT_TARGET_SECONDS = 0.100
HEALTHZ_TARGET_SECONDS = 0.050
TOKEN_CREATE = ("mutation($input: TokenCreateInput!) { tokenCreate(input: $input) "
                "{ accessToken userErrors { code } } }")


def fragment_fan_out(levels: int) -> str:
    """Each fragment spreads the next one twice: 2**levels copies of the last one when expanded."""
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    fragments.append(f"fragment F{levels} on Query {{ channels {{ slug }} }}")
    return "query { ...F0 }\n" + "\n".join(fragments)


@dataclass
class Row:
    case: str
    samples: list[float]
    target: float

    def cells(self) -> str:
        ordered = sorted(self.samples)
        p50, p95 = percentile(ordered, 0.5), percentile(ordered, 0.95)
        verdict = "ok" if p95 < self.target else "MISSED"
        return (f"| {self.case} | {len(ordered)} | {p50 * 1000:.1f} | {p95 * 1000:.1f} | "
                f"{ordered[-1] * 1000:.1f} | {self.target * 1000:.0f} | {verdict} |")

    @property
    def met(self) -> bool:
        return percentile(sorted(self.samples), 0.95) < self.target


async def fragment_refusals(http: httpx.AsyncClient, levels: int, rounds: int) -> Row:
    document = {"query": fragment_fan_out(levels)}
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = await http.post("/graphql", json=document)
        samples.append(time.perf_counter() - started)
        codes = [e["extensions"]["code"] for e in response.json()["errors"]]
        if codes != ["QUERY_TOO_COMPLEX"]:
            raise SystemExit(f"a {levels}-level fan-out was not refused: {codes}")
    return Row(f"{levels}-level fragment fan-out refused", samples, FRAGMENT_TARGET_SECONDS)


async def healthz_during_floods(http: httpx.AsyncClient, flood: int, rounds: int) -> Row:
    probes: list[float] = []
    for round_number in range(rounds):
        async def attempt(n: int, r: int = round_number) -> None:
            variables = {"input": {"email": f"nobody-{r}-{n}@example.com", "password": f"guess-number-{n}"}}
            await http.post("/graphql", json={"query": TOKEN_CREATE, "variables": variables})

        attempts = [asyncio.create_task(attempt(n)) for n in range(flood)]
        while not all(task.done() for task in attempts):
            started = time.perf_counter()
            response = await http.get("/healthz")
            probes.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise SystemExit(f"/healthz answered {response.status_code} during the flood")
        await asyncio.gather(*attempts)
    return Row(f"/healthz during {flood} concurrent sign-ins", probes, HEALTHZ_TARGET_SECONDS)


async def measure(base_url: str, rounds: int, flood: int) -> list[Row]:
    async with httpx.AsyncClient(base_url=base_url, timeout=60,
                                 limits=httpx.Limits(max_connections=flood + 10)) as http:
        deadline = time.perf_counter() + 30
        while True:
            with contextlib.suppress(httpx.TransportError):
                if (await http.get("/healthz")).status_code == 200:
                    break
            if time.perf_counter() > deadline:
                raise SystemExit("commerce serve did not start within 30 s")
            await asyncio.sleep(0.1)
        return [await fragment_refusals(http, 21, rounds * 5), await fragment_refusals(http, 41, rounds * 5),
                await healthz_during_floods(http, flood, rounds)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="sign-in floods (fragment documents: 5x as many)")
    parser.add_argument("--flood", type=int, default=20, help="concurrent sign-in attempts per flood")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="commerce-abuse-") as scratch:
        logs = Path(scratch)
        port = free_port()
        env = {**os.environ, "COMMERCE_DATABASE_URL": f"sqlite+aiosqlite:///{logs / 'bench.db'}",
               "COMMERCE_SECRET_KEY": secrets.token_urlsafe(32), "COMMERCE_AUDIT_KEY": secrets.token_urlsafe(32),
               "COMMERCE_ENV": "production",
               # the flood is the point: sign-in rate limits would answer it before any hashing
               "COMMERCE_SIGNIN_ATTEMPTS_PER_MINUTE_PER_CLIENT": "0"}
        commerce = commerce_command()
        done = subprocess.run([commerce, "migrate"], env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"commerce migrate failed:\n{done.stdout}{done.stderr}")
        command = [commerce, "serve", "--host", HOST, "--port", str(port), "--log-level", "warning"]
        with server("commerce", command, env, logs):
            rows = asyncio.run(measure(f"http://{HOST}:{port}", args.rounds, args.flood))
    print("| case | samples | p50 ms | p95 ms | max ms | target ms (p95) | |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for row in rows:
        print(row.cells())
    return 0 if all(row.met for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
