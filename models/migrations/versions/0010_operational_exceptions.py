"""Operational exceptions: the queue the sweep's checks fill, at most one open per kind and subject.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 10:00:00

The partial unique index on open rows (`status = 'OPEN'`, on SQLite and PostgreSQL alike) is what
keeps concurrent sweeps from opening the same exception twice: they insert with ON CONFLICT DO
NOTHING against it.
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

OPEN_ONLY = sa.text("status = 'OPEN'")
REOPEN_BLOCKED_ONLY = sa.text("reopen_blocked")


def upgrade() -> None:
    op.create_table('operational_exceptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('subject_type', sa.String(length=40), nullable=True),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('subject_key', sa.String(length=300), nullable=False),
    sa.Column('summary', sa.String(length=1000), nullable=False),
    sa.Column('detected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.String(length=254), nullable=True),
    sa.Column('resolution', sa.String(length=1000), nullable=True),
    sa.Column('reopen_blocked', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_operational_exceptions'))
    )
    with op.batch_alter_table('operational_exceptions', schema=None) as batch_op:
        batch_op.create_index('uq_operational_exceptions_open', ['kind', 'subject_key'], unique=True,
                              sqlite_where=OPEN_ONLY, postgresql_where=OPEN_ONLY)
        batch_op.create_index('ix_operational_exceptions_reopen_blocked', ['kind', 'subject_key'], unique=False,
                              sqlite_where=REOPEN_BLOCKED_ONLY, postgresql_where=REOPEN_BLOCKED_ONLY)
        batch_op.create_index('ix_operational_exceptions_status', ['status', 'id'], unique=False)
        batch_op.create_index('ix_operational_exceptions_kind', ['kind', 'status', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('operational_exceptions', schema=None) as batch_op:
        batch_op.drop_index('ix_operational_exceptions_kind')
        batch_op.drop_index('ix_operational_exceptions_status')
        batch_op.drop_index('ix_operational_exceptions_reopen_blocked')
        batch_op.drop_index('uq_operational_exceptions_open')
    op.drop_table('operational_exceptions')
