"""Keyed audit chain: hash = HMAC-SHA256(COMMERCE_AUDIT_KEY, prev_hash + canonical event).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 10:00:00

Events written before this revision are re-chained with the key: every event that verifies under
the old plain sha256 gets a new prev_hash and hash. The key comes from the caller (`commerce
migrate` passes its settings') or else from COMMERCE_AUDIT_KEY in the environment: migrate with the
same key as the servers, or verification fails from the first event. A chain that was already
broken is re-chained up to the break only, so auditVerify still names that event. The append-only
triggers are lifted for the re-chain and put back as revision 0001 made them. Downgrading re-chains
the other way, back to plain sha256.
"""
import sqlalchemy as sa
from alembic import context, op

from app.domain.audit_chain import ChainHash, keyed, unkeyed_chain_hash

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if _has_events():
        _rechain(verified_with=unkeyed_chain_hash, signed_with=keyed(_audit_key()))


def downgrade() -> None:
    if _has_events():
        _rechain(verified_with=keyed(_audit_key()), signed_with=unkeyed_chain_hash)


def _has_events() -> bool:
    return op.get_bind().scalar(sa.text("SELECT 1 FROM audit_events LIMIT 1")) is not None


def _audit_key() -> bytes:
    key = context.config.attributes.get("audit_key")
    if key is None:
        from app.settings import Settings

        key = Settings().audit_key
    return str(key).encode()


def _rechain(*, verified_with: ChainHash, signed_with: ChainHash) -> None:
    from app.services.audit import lift_guard, rechain, restore_guard

    connection = op.get_bind()
    lift_guard(connection)
    try:
        rechain(connection, verified_with=verified_with, signed_with=signed_with)
    except BaseException:
        # On SQLite the DROP TRIGGER may be committed already (the driver opens transactions
        # only before DML): put the guard back. PostgreSQL rolls the whole revision back.
        if connection.dialect.name == "sqlite":
            restore_guard(connection)
        raise
    restore_guard(connection)
