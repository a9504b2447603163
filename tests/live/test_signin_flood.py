"""A sign-in flood against a real server does not stall it: argon2 runs in worker threads, so the
event loop keeps answering /healthz while 20 password checks run at once. How fast it answers is
measured by bench/abuse.py (target: p95 under 50 ms), not asserted here."""

import asyncio

from tests.conftest import TEST_SECRET
from tests.support.live import live_server

TOKEN_CREATE = """mutation($input: TokenCreateInput!) {
  tokenCreate(input: $input) { accessToken userErrors { code } } }"""
FLOOD = 20


async def test_healthz_answers_during_a_flood_of_20_concurrent_sign_ins(database_url: str) -> None:
    async with live_server(database_url, TEST_SECRET) as server:
        async def attempt(n: int) -> list[str]:
            data = await server.gql(TOKEN_CREATE, {"input": {"email": f"nobody-{n}@example.com",
                                                             "password": f"guess-number-{n}"}})
            return [error["code"] for error in data["tokenCreate"]["userErrors"]]

        flood = [asyncio.create_task(attempt(n)) for n in range(FLOOD)]
        answered_during_flood = 0
        while not all(task.done() for task in flood):
            response = await server.http.get("/healthz")
            assert response.status_code == 200
            answered_during_flood += not all(task.done() for task in flood)
        answers = await asyncio.gather(*flood)
    assert answers == [["INVALID_CREDENTIALS"]] * FLOOD  # every attempt was really checked
    # Probes were answered while the attempts were in flight (that the hashing runs in threads, the
    # next test shows; how promptly probes are answered, bench/abuse.py).
    assert answered_during_flood >= 1


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
