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
from alembic import context, op
import sqlalchemy as sa

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
    from app.services.audit import rechain

    sqlite = op.get_bind().dialect.name == "sqlite"
    _drop_audit_triggers(sqlite)
    try:
        rechain(op.get_bind(), verified_with=verified_with, signed_with=signed_with)
    except BaseException:
        # SQLite ran the DROP TRIGGER outside the migration's transaction: put the guard back.
        # (PostgreSQL rolls the whole revision back, triggers included.)
        if sqlite:
            _create_audit_triggers(sqlite)
        raise
    _create_audit_triggers(sqlite)


def _drop_audit_triggers(sqlite: bool) -> None:
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")


def _create_audit_triggers(sqlite: bool) -> None:
    """As revision 0001 made them: the database refuses UPDATE and DELETE (and TRUNCATE)."""
    if sqlite:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
                "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
            )
    else:
        # The function audit_events_append_only() of revision 0001 stays; only its triggers moved.
        op.execute(
            "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"
        )
