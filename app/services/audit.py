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

    Runs on a synchronous connection inside the caller's transaction (an Alembic migration); the
    caller lifts the append-only triggers around it. Returns the old chain's verification."""
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
