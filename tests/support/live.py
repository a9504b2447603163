"""A real `commerce serve` process on loopback, for tests that need real concurrent requests."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO, Any

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    def __init__(self, base_url: str, http: httpx.AsyncClient) -> None:
        self.base_url = base_url
        self.http = http

    async def gql(self, query: str, variables: Mapping[str, Any] | None = None, *,
                  token: str | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post("/graphql", json={"query": query, "variables": dict(variables or {})},
                                        headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert not body.get("errors"), body["errors"]
        return body["data"]  # type: ignore[no-any-return]


@asynccontextmanager
async def live_server(database_url: str, secret_key: str, *, extra_env: Mapping[str, str] | None = None,
                      startup_timeout: float = 30.0, log_level: str = "warning",
                      output_dir: Path | None = None, serve_args: Sequence[str] = (),
                      command: Sequence[str] | None = None, cwd: Path | None = None) -> AsyncIterator[LiveServer]:
    """`output_dir`: the server's stdout and stderr go to stdout.log and stderr.log there (complete
    once the context exits), instead of being dropped (stdout) or kept for start-up errors (stderr).
    `serve_args`: more arguments for `commerce serve`, e.g. `--demo` (the start-up, migrating and
    seeding included, must fit in `startup_timeout`). `command`: how to run `commerce serve`, by
    default this interpreter's `-m app.cli serve`; `cwd`: the process's working directory."""
    port = free_port()
    env = {**os.environ, "COMMERCE_DATABASE_URL": database_url, "COMMERCE_SECRET_KEY": secret_key,
           **(extra_env or {})}
    stdout: IO[bytes] | int = subprocess.DEVNULL
    stderr: IO[bytes] | int = subprocess.PIPE
    if output_dir is not None:
        stdout = (output_dir / "stdout.log").open("wb")
        stderr = (output_dir / "stderr.log").open("wb")
    process = subprocess.Popen(
        [*(command or [sys.executable, "-m", "app.cli", "serve"]), "--port", str(port), "--log-level", log_level,
         *serve_args],
        env=env, stdout=stdout, stderr=stderr, cwd=cwd)
    base_url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=60,
                                     limits=httpx.Limits(max_connections=100)) as http:
            deadline = time.monotonic() + startup_timeout
            while True:
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    said = (process.stderr.read().decode() if process.stderr
                            else (output_dir / "stderr.log").read_text() if output_dir else "")
                    raise RuntimeError(f"commerce serve did not start: {said[-2000:]}")
                await _pause()
            yield LiveServer(base_url, http)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()
        for stream in (stdout, stderr):
            if not isinstance(stream, int):
                stream.close()


async def _pause() -> None:
    import asyncio

    await asyncio.sleep(0.1)  # polling the server's start-up, not synchronising the test


class LiveClient:
    """The parts of GraphQLClient that tests/support/shop.py uses, against a live server."""

    def __init__(self, server: LiveServer, db: Any, secret_key: str) -> None:
        self.server = server
        self.db = db
        self.secret_key = secret_key

    async def data(self, query: str, variables: Mapping[str, Any] | None = None, *,
                   token: str | None = None, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
        return await self.server.gql(query, variables, token=token)

    def token_for(self, viewer: Any) -> str:
        from datetime import UTC, datetime, timedelta

        from app.auth import issue_token

        return issue_token(viewer, secret=self.secret_key, now=datetime.now(UTC), lifetime=timedelta(minutes=15))

    async def wait_until_relayed(self, timeout: float = 20.0) -> None:
        """Until every outbox event committed so far is published, so that a subscriber that
        connects next sees only what happens after it."""
        import asyncio

        from sqlalchemy import func, select

        from models import OutboxEvent

        async def poll() -> None:
            while True:
                async with self.db.read() as conn:
                    if not await conn.scalar(select(func.count()).select_from(OutboxEvent)
                                             .where(OutboxEvent.published_at.is_(None))):
                        return
                await _pause()

        await asyncio.wait_for(poll(), timeout)

    async def wait_for_subscriptions(self, count: int, timeout: float = 20.0) -> None:
        """Until the server reports `count` live subscriptions (its /readyz), so that an update made
        next is sure to find its subscriber."""
        import asyncio

        async def poll() -> None:
            while (await self.server.http.get("/readyz")).json().get("subscriptions", 0) < count:
                await _pause()

        await asyncio.wait_for(poll(), timeout)
