"""The append-only audit chain and the transactional outbox."""

from datetime import datetime

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class AuditEvent(Base):
    """One link of the hash chain: hash = HMAC-SHA256(COMMERCE_AUDIT_KEY, prev_hash + canonical event).

    `data` is kept as the canonical JSON text it was hashed from, so that verification
    recomputes the very bytes that were hashed. Database triggers refuse UPDATE and DELETE.
    """

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id", "sequence"),)

    sequence: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(String(64))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(64))
    approval_id: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class OutboxEvent(Base):
    """An event written in the same transaction as the state change it reports; a relay
    publishes it after commit (at least once; consumers de-duplicate on `id`)."""

    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_unpublished", "published_at", "id"),
                      UniqueConstraint("subject_type", "subject_id", "subject_sequence"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    topic: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(String(64))
    # 1, 2, 3... per subject, without gaps, in commit order (OutboxSubjectSequence): consumers
    # order and de-duplicate a subject's events by it.
    subject_sequence: Mapped[int] = mapped_column(default=1)
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The request whose unit of work wrote the event (X-Request-Id, or "cli", "sweep", ...).
    request_id: Mapped[str | None] = mapped_column(String(64))


class OutboxSubjectSequence(Base):
    """The last sequence number a subject's outbox events got. The unit of work bumps it with one
    upsert (INSERT ... ON CONFLICT DO UPDATE ... RETURNING) in the events' own transaction: the row
    lock it takes holds concurrent writers to the same subject in line until commit, so numbers are
    unique, gap-free (a rollback gives its numbers back) and rise in commit order."""

    __tablename__ = "outbox_subject_sequences"

    subject_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_sequence: Mapped[int]
