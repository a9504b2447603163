"""Audit verification: recompute the whole hash chain, in batches, and name the first break."""

from sqlalchemy import select

from app.db import Database
from app.domain.audit_chain import ChainVerifier, Verification
from models import AuditEvent

BATCH = 2000


async def verify(db: Database) -> Verification:
    async with db.read() as conn:
        result = await conn.stream(select(*AuditEvent.__table__.c).order_by(AuditEvent.sequence)
                                   .execution_options(yield_per=BATCH))
        verifier = ChainVerifier()
        async for row in result:
            if not verifier.feed(row._mapping):
                break
    return verifier.result()
