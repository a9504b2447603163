"""Audit verification: recompute the whole keyed hash chain, in batches, and name the first break;
and re-chaining: sign a verified chain again under another hash (migration 0008 moves a plain
sha256 chain to the key)."""

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.engine import Connection

from app.db import Database
from app.domain.audit_chain import ChainHash, ChainVerifier, Verification, keyed
from app.services.unit_of_work import AUDIT_CHAIN_LOCK_KEY
from models import AuditEvent

BATCH = 2000


async def verify(db: Database) -> Verification:
    async with db.read() as conn:
        result = await conn.stream(select(*AuditEvent.__table__.c).order_by(AuditEvent.sequence)
                                   .execution_options(yield_per=BATCH))
        verifier = ChainVerifier(keyed(db.audit_key))
        async for row in result:
            if not verifier.feed(row._mapping):
                break
    return verifier.result()


def rechain(connection: Connection, *, verified_with: ChainHash, signed_with: ChainHash) -> Verification:
    """Sign the chain again: every event that verifies under `verified_with` gets a new prev_hash
    and hash under `signed_with`. Re-chaining stops at the first break, which keeps its old hashes,
    so verification under the new hash still names that event: a re-chain never launders a forgery.

    Runs on a synchronous connection inside the caller's transaction (an Alembic migration, or
    `commerce audit rechain`); the caller lifts the append-only guard around it (lift_guard,
    restore_guard). Returns the old chain's verification."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_CHAIN_LOCK_KEY})
    columns = AuditEvent.__table__.c
    verifier = ChainVerifier(verified_with)
    new_prev: str | None = None
    after = 0
    while verifier.broken_at is None:
        rows = connection.execute(select(*columns).where(columns.sequence > after)
                                  .order_by(columns.sequence).limit(BATCH)).all()
        if not rows:
            break
        links = []
        for row in rows:
            if not verifier.feed(row._mapping):
                break
            new_hash = signed_with(new_prev, row._mapping)
            links.append({"at": row.sequence, "new_prev": new_prev, "new_hash": new_hash})
            new_prev = new_hash
        if links:
            connection.execute(update(AuditEvent.__table__)
                               .where(columns.sequence == bindparam("at"))
                               .values(prev_hash=bindparam("new_prev"), hash=bindparam("new_hash")), links)
        after = rows[-1].sequence
    return verifier.result()


def lift_guard(connection: Connection) -> None:
    """Drop the triggers that make audit_events append-only (revision 0001 made them)."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_no_update")
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_no_delete")
    else:
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")


def restore_guard(connection: Connection) -> None:
    """Put the triggers back as revision 0001 made them: UPDATE, DELETE (and TRUNCATE) refused."""
    if connection.dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            connection.exec_driver_sql(
                f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
                "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END")
    else:
        # The function audit_events_append_only() of revision 0001 stays; only its triggers go.
        connection.exec_driver_sql(
            "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()")
        connection.exec_driver_sql(
            "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()")


async def rechain_under_new_key(db: Database, *, previous_key: bytes) -> Verification:
    """Move the chain from `previous_key` to the database's key, in one write transaction
    (`commerce audit rechain`; stop every writer first, or its next event breaks the chain)."""

    def run(connection: Connection) -> Verification:
        lift_guard(connection)
        result = rechain(connection, verified_with=keyed(previous_key), signed_with=keyed(db.audit_key))
        restore_guard(connection)
        return result

    async with db.write_engine.begin() as conn:
        return await conn.run_sync(run)
