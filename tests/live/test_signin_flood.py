"""A sign-in flood against a real server does not stall it: argon2 runs in worker threads, so the
event loop keeps answering /healthz while 20 password checks run at once."""

import asyncio
import time

from tests.conftest import TEST_SECRET
from tests.support.live import live_server

TOKEN_CREATE = """mutation($input: TokenCreateInput!) {
  tokenCreate(input: $input) { accessToken userErrors { code } } }"""
FLOOD = 20
# Generous (the machine is shared): with argon2 on the event loop a probe waited for every queued
# hash, seconds for this flood; in threads a probe waits for nothing but the loop.
# The slowest probe can still catch the scheduler of a busy shared machine: the max is bounded
# loosely, the 95th percentile tightly.
HEALTHZ_P95_SECONDS = 0.5
HEALTHZ_MAX_SECONDS = 3.0


async def test_healthz_answers_promptly_during_a_flood_of_20_concurrent_sign_ins(database_url: str) -> None:
    async with live_server(database_url, TEST_SECRET) as server:
        async def attempt(n: int) -> list[str]:
            data = await server.gql(TOKEN_CREATE, {"input": {"email": f"nobody-{n}@example.com",
                                                             "password": f"guess-number-{n}"}})
            return [error["code"] for error in data["tokenCreate"]["userErrors"]]

        flood = [asyncio.create_task(attempt(n)) for n in range(FLOOD)]
        probes: list[float] = []
        while not all(task.done() for task in flood) or not probes:
            started = time.perf_counter()
            response = await server.http.get("/healthz")
            probes.append(time.perf_counter() - started)
            assert response.status_code == 200
        answers = await asyncio.gather(*flood)
    assert answers == [["INVALID_CREDENTIALS"]] * FLOOD  # every attempt was really checked
    probes.sort()
    p95 = probes[int(len(probes) * 0.95) - 1] if len(probes) > 1 else probes[0]
    summary = f"/healthz p95 {p95:.3f}s, max {probes[-1]:.3f}s over {len(probes)} probes"
    assert p95 < HEALTHZ_P95_SECONDS, summary
    assert probes[-1] < HEALTHZ_MAX_SECONDS, summary


async def test_password_hashing_and_verification_run_off_the_event_loop(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import threading

    from app import auth

    threads: list[str] = []
    monkeypatch.setattr(auth, "hash_password", lambda p: threads.append(threading.current_thread().name) or "h")
    monkeypatch.setattr(auth, "verify_password",
                        lambda h, p: threads.append(threading.current_thread().name) or False)
    assert await auth.hash_password_off_loop("correct-horse-battery") == "h"
    assert await auth.verify_password_off_loop(None, "correct-horse-battery") is False
    assert len(threads) == 2 and all(name.startswith("argon2") for name in threads), threads
