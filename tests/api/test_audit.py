"""The keyed audit chain: rows forged without COMMERCE_AUDIT_KEY fail auditVerify at their sequence,
and migration 0008 re-chains a trail written with plain sha256 under the key."""

import asyncio
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from app.db import Database
from app.domain.audit_chain import ChainHash, keyed, unkeyed_chain_hash, verify_chain
from app.migrations import downgrade, upgrade
from app.policy.permissions import Role
from app.services import audit
from app.settings import DEV_AUDIT_KEY, Settings
from models import AuditEvent
from tests.conftest import TEST_AUDIT_KEY
from tests.support.client import GraphQLClient
from tests.support.shop import Shop, build_shop

VERIFY = "{ auditVerify { ok eventsChecked firstBrokenSequence } }"
TRAIL = AuditEvent.__table__


@pytest.fixture
async def shop(client: GraphQLClient) -> Shop:
    return await build_shop(client)


def forged_after(last: Any, link: ChainHash) -> dict[str, Any]:
    """An event that names mallory as a refund approver, linked to the last real one."""
    fields = {"sequence": last.sequence + 1, "occurred_at": last.occurred_at, "actor": "user:mallory",
              "action": "refund.approve", "subject_type": "Refund", "subject_id": "1", "from_status": None,
              "to_status": "APPROVED", "data": None, "request_id": None, "approval_id": None}
    return {**fields, "prev_hash": last.hash, "hash": link(last.hash, fields)}


@pytest.mark.parametrize("link", [unkeyed_chain_hash, keyed(b"a-guessed-key")], ids=["plain-sha256", "wrong-key"])
async def test_an_inserted_forgery_fails_verification_at_its_sequence(client: GraphQLClient, shop: Shop,
                                                                       link: ChainHash) -> None:
    await shop.order({"TEE-0": 1}, key="forgery")
    admin = await shop.token("admin@example.com", Role.ADMIN)
    assert (await client.data(VERIFY, token=admin))["auditVerify"]["ok"] is True
    async with client.db.write_engine.begin() as conn:
        last = (await conn.execute(select(TRAIL).order_by(TRAIL.c.sequence.desc()).limit(1))).one()
        # INSERT is allowed (the triggers refuse only UPDATE and DELETE): only the key stops this.
        await conn.execute(insert(TRAIL).values(forged_after(last, link)))
    result = (await client.data(VERIFY, token=admin))["auditVerify"]
    assert result == {"ok": False, "eventsChecked": last.sequence + 1, "firstBrokenSequence": last.sequence + 1}


async def test_a_server_with_another_audit_key_fails_verification_from_the_first_event(
        client: GraphQLClient, shop: Shop) -> None:
    await shop.order({"TEE-0": 1}, key="rotated")
    other = Database(client.db.url, audit_key="a-different-key")
    try:
        result = await audit.verify(other)
    finally:
        await other.dispose()
    assert (result.ok, result.first_broken_sequence) == (False, 1)


# Migration 0008 -------------------------------------------------------------------------------

def plain_events(count: int) -> list[dict[str, Any]]:
    """Events as revision 0007 wrote them: hash = sha256(prev_hash + canonical event)."""
    events: list[dict[str, Any]] = []
    start = datetime(2026, 11, 30, 9, 15, 0, 123456, tzinfo=UTC)
    for sequence in range(1, count + 1):
        fields = {"sequence": sequence, "occurred_at": start + timedelta(minutes=sequence), "actor": "user:1",
                  "action": "order.confirm", "subject_type": "EcommerceOrder", "subject_id": str(sequence),
                  "from_status": "PLACED", "to_status": "CONFIRMED", "data": '{"total":"12.50"}',
                  "request_id": f"req-{sequence}", "approval_id": None}
        prev = events[-1]["hash"] if events else None
        events.append({**fields, "prev_hash": prev, "hash": unkeyed_chain_hash(prev, fields)})
    return events


async def write_rows(url: str, rows: list[dict[str, Any]]) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(TRAIL), rows)
    finally:
        await engine.dispose()


async def read_rows(db: Database) -> list[Any]:
    async with db.read() as conn:
        return list((await conn.execute(select(TRAIL).order_by(TRAIL.c.sequence))).mappings().all())


async def test_migration_0008_rechains_a_plain_sha256_trail_with_the_key(unmigrated_url: str) -> None:
    await asyncio.to_thread(upgrade, unmigrated_url, "0007")
    old = plain_events(5)
    await write_rows(unmigrated_url, old)

    await asyncio.to_thread(upgrade, unmigrated_url, "head", audit_key=TEST_AUDIT_KEY)

    db = Database(unmigrated_url, audit_key=TEST_AUDIT_KEY)
    try:
        assert await audit.verify(db) == audit.Verification(True, 5, None)
        rows = await read_rows(db)
        assert [row["hash"] for row in rows] != [event["hash"] for event in old]
        assert [row["data"] for row in rows] == [event["data"] for event in old]
        with pytest.raises(Exception, match="append-only"):  # the triggers are back
            async with db.write_engine.begin() as conn:
                await conn.exec_driver_sql("UPDATE audit_events SET actor = 'mallory' WHERE sequence = 1")
    finally:
        await db.dispose()

    await asyncio.to_thread(downgrade, unmigrated_url, "0007", audit_key=TEST_AUDIT_KEY)
    db = Database(unmigrated_url, audit_key=TEST_AUDIT_KEY)
    try:
        assert [row["hash"] for row in await read_rows(db)] == [event["hash"] for event in old]
    finally:
        await db.dispose()


async def test_migration_0008_keeps_an_old_break_where_it_was(unmigrated_url: str) -> None:
    await asyncio.to_thread(upgrade, unmigrated_url, "0007")
    old = plain_events(4)
    old[2]["data"] = '{"total":"0.01"}'  # edited after hashing: the old chain breaks at 3
    assert verify_chain(old, unkeyed_chain_hash).first_broken_sequence == 3
    await write_rows(unmigrated_url, old)

    await asyncio.to_thread(upgrade, unmigrated_url, "head", audit_key=TEST_AUDIT_KEY)

    db = Database(unmigrated_url, audit_key=TEST_AUDIT_KEY)
    try:
        result = await audit.verify(db)
        rows = await read_rows(db)
    finally:
        await db.dispose()
    assert (result.ok, result.first_broken_sequence) == (False, 3)
    assert rows[1]["hash"] == keyed(TEST_AUDIT_KEY.encode())(rows[0]["hash"], rows[1])
    assert [row["hash"] for row in rows[2:]] == [event["hash"] for event in old[2:]]


@pytest.mark.parametrize("how", ["commerce migrate", "alembic without a key"])
async def test_migration_0008_takes_the_key_from_the_environment(unmigrated_url: str, how: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMERCE_DATABASE_URL", unmigrated_url)
    monkeypatch.setenv("COMMERCE_SECRET_KEY", "a-secret-key-for-this-test")
    monkeypatch.setenv("COMMERCE_AUDIT_KEY", "the-servers-audit-key")
    await asyncio.to_thread(upgrade, unmigrated_url, "0007")
    await write_rows(unmigrated_url, plain_events(3))

    if how == "commerce migrate":
        from app.cli import main

        assert await asyncio.to_thread(main, ["migrate"]) == 0
    else:
        await asyncio.to_thread(upgrade, unmigrated_url, "head")  # Settings() inside the migration

    for key, ok in (("the-servers-audit-key", True), (TEST_AUDIT_KEY, False)):
        db = Database(unmigrated_url, audit_key=key)
        try:
            assert (await audit.verify(db)).ok is ok
        finally:
            await db.dispose()


# commerce audit verify / rechain ---------------------------------------------------------------

async def commerce(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], database_url: str,
                   key: str, *argv: str, stdin: str = "") -> tuple[int, str]:
    """`commerce ...` in a thread (it runs its own event loop) with COMMERCE_AUDIT_KEY=key."""
    from app.cli import main

    monkeypatch.setenv("COMMERCE_DATABASE_URL", database_url)
    monkeypatch.setenv("COMMERCE_SECRET_KEY", "a-secret-key-for-this-test")
    monkeypatch.setenv("COMMERCE_AUDIT_KEY", key)
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = await asyncio.to_thread(main, list(argv))
    captured = capsys.readouterr()
    return code, (captured.out + captured.err).strip()


async def test_after_a_key_change_commerce_audit_rechain_signs_the_chain_under_the_new_key(
        client: GraphQLClient, shop: Shop, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    await shop.order({"TEE-0": 1}, key="rotation")
    url, events = client.db.url, (await audit.verify(client.db)).events_checked

    assert await commerce(monkeypatch, capsys, url, "the-new-key", "audit", "verify") == (
        1, "audit chain broken at sequence 1")
    assert await commerce(monkeypatch, capsys, url, "the-new-key", "audit", "rechain",
                          stdin=TEST_AUDIT_KEY + "\n") == (0, f"re-chained {events} events under COMMERCE_AUDIT_KEY")
    assert await commerce(monkeypatch, capsys, url, "the-new-key", "audit", "verify") == (
        0, f"audit chain intact: {events} events")
    assert (await audit.verify(client.db)).first_broken_sequence == 1  # the old key no longer verifies
    with pytest.raises(Exception, match="append-only"):  # the guard is back
        async with client.db.write_engine.begin() as conn:
            await conn.exec_driver_sql("DELETE FROM audit_events WHERE sequence = 1")


async def test_commerce_audit_rechain_refuses_to_sign_what_the_previous_key_does_not_verify(
        client: GraphQLClient, shop: Shop, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    await shop.order({"TEE-0": 1}, key="laundering")
    async with client.db.write_engine.begin() as conn:
        last = (await conn.execute(select(TRAIL).order_by(TRAIL.c.sequence.desc()).limit(1))).one()
        await conn.execute(insert(TRAIL).values(forged_after(last, unkeyed_chain_hash)))
    code, message = await commerce(monkeypatch, capsys, client.db.url, "the-new-key", "audit", "rechain",
                                   stdin=TEST_AUDIT_KEY + "\n")
    assert code == 1 and message.startswith(f"event {last.sequence + 1} does not verify under the previous key")
    assert await commerce(monkeypatch, capsys, client.db.url, "the-new-key", "audit", "verify") == (
        1, f"audit chain broken at sequence {last.sequence + 1}")


def test_production_refuses_to_start_without_an_audit_key() -> None:
    with pytest.raises(ValueError, match="COMMERCE_AUDIT_KEY"):
        Settings(env="production", secret_key="a-production-secret", audit_key="")


def test_development_keys_the_chain_with_a_dev_key_and_says_so() -> None:
    with pytest.warns(UserWarning, match="COMMERCE_AUDIT_KEY is unset"):
        settings = Settings(env="development", secret_key="a-secret", audit_key="")
    assert settings.audit_key == DEV_AUDIT_KEY
