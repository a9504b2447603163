"""The JavaScript client tests' npm project (tests/js) and the Node processes that run it.

`install_js_client` is the suite's install step for tests/js: `npm ci` from package-lock.json, run
only when node_modules is missing or does not match the lock file (npm records what it installed in
node_modules/.package-lock.json). Without Node (20+) or npm, or when the install fails, the
JavaScript tests are skipped and say why; with CI=true they fail instead.
"""

import asyncio
import fcntl
import json
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI
from tests.support.live import LiveClient

JS_PROJECT = Path(__file__).resolve().parent.parent / "js"
MIN_NODE_MAJOR = 20


def _unavailable(message: str) -> None:
    if IN_CI:
        pytest.fail(f"{message}; CI=true requires the JavaScript client tests", pytrace=False)
    pytest.skip(f"{message}; the JavaScript client tests need Node {MIN_NODE_MAJOR}+ and npm")


def install_js_client() -> str:
    """The `node` executable, with tests/js/node_modules installed as package-lock.json says."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        _unavailable("node or npm is not on PATH")
    assert node and npm
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    if int(version.lstrip("v").split(".")[0]) < MIN_NODE_MAJOR:
        _unavailable(f"node {version} is too old")
    with (JS_PROJECT / "package-lock.json").open("rb") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)  # one install at a time across concurrent test runs
        if not _installed_as_locked(json.loads(lock_file.read())):
            try:
                subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
                               cwd=JS_PROJECT, capture_output=True, text=True, check=True, timeout=300)
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as failure:
                output = failure.stderr if isinstance(failure.stderr, str) else ""
                _unavailable(f"`npm ci` in {JS_PROJECT} failed: {output.strip()[-1000:] or failure}")
    return node


def _installed_as_locked(lock: dict[str, Any]) -> bool:
    """Whether node_modules holds exactly the packages of the lock file, as npm last recorded."""
    try:
        installed = json.loads((JS_PROJECT / "node_modules" / ".package-lock.json").read_text())
    except (OSError, ValueError):
        return False
    locked = {path: entry for path, entry in lock.get("packages", {}).items() if path}
    return bool(locked) and installed.get("packages") == locked


class OrderTracker:
    """A running tests/js/track-order.mjs: graphql-ws following one order."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def wait_until_subscribed(self, live: LiveClient, count: int) -> None:
        """Until the server holds the client's `count` subscriptions; fails with the client's
        output if it exits first (a refused connection, a message it could not read)."""
        subscribed = asyncio.ensure_future(live.wait_for_subscriptions(count))
        exited = asyncio.ensure_future(self.process.wait())
        await asyncio.wait({subscribed, exited}, return_when=asyncio.FIRST_COMPLETED)
        if not subscribed.done():
            subscribed.cancel()
            with suppress(asyncio.CancelledError):
                await subscribed
            stdout, stderr = await self.process.communicate()
            raise AssertionError(f"the graphql-ws client ended before subscribing "
                                 f"(exit {self.process.returncode}): {stdout.decode()}{stderr.decode()}")
        exited.cancel()
        with suppress(asyncio.CancelledError):
            await exited
        subscribed.result()

    async def events(self, timeout: float = 60.0) -> list[dict[str, Any]]:
        """Every line the client printed, once it has exited; it must have exited 0."""
        stdout, stderr = await asyncio.wait_for(self.process.communicate(), timeout)
        lines = [json.loads(line) for line in stdout.decode().splitlines() if line.strip()]
        assert self.process.returncode == 0, (self.process.returncode, lines, stderr.decode())
        return lines


@asynccontextmanager
async def track_order(node: str, base_url: str, order_id: str, *, token: str, order_events: int,
                      fulfillment_events: int, timeout_seconds: int = 30) -> AsyncIterator[OrderTracker]:
    process = await asyncio.create_subprocess_exec(
        node, str(JS_PROJECT / "track-order.mjs"),
        "--url", base_url.replace("http://", "ws://") + "/graphql", "--order-id", order_id,
        "--order-events", str(order_events), "--fulfillment-events", str(fulfillment_events),
        "--timeout-seconds", str(timeout_seconds),
        cwd=JS_PROJECT, env={**os.environ, "COMMERCE_ACCESS_TOKEN": token},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        yield OrderTracker(process)
    finally:
        if process.returncode is None:
            process.kill()
            await process.communicate()
