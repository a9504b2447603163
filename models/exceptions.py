"""Operational exceptions: something that needs a person, opened by a check and resolved once."""

from datetime import datetime

from sqlalchemy import Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime

OPEN_ONLY = text("status = 'OPEN'")
REOPEN_BLOCKED_ONLY = text("reopen_blocked")


class OperationalException(Base):
    __tablename__ = "operational_exceptions"
    __table_args__ = (
        # Never two open for one kind and subject: checks insert with ON CONFLICT DO NOTHING on it,
        # so concurrent sweeps (several processes) open one exception and the others nothing.
        Index("uq_operational_exceptions_open", "kind", "subject_key", unique=True,
              sqlite_where=OPEN_ONLY, postgresql_where=OPEN_ONLY),
        Index("ix_operational_exceptions_reopen_blocked", "kind", "subject_key",
              sqlite_where=REOPEN_BLOCKED_ONLY, postgresql_where=REOPEN_BLOCKED_ONLY),
        # The queue, newest first, by status and by kind.
        Index("ix_operational_exceptions_status", "status", "id"),
        Index("ix_operational_exceptions_kind", "kind", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16))
    # The object concerned (EcommerceOrder, ReturnRequest, ApprovalRequest, Payment, WebhookDelivery,
    # ProductVariant), if any; subject_id is null for a system-wide condition and for an object an
    # integration named that does not exist.
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[int | None]
    # What "the same subject" means (app/domain/exceptions.subject_key): "" when there is none.
    subject_key: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(String(1000))
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(254))
    resolution: Mapped[str | None] = mapped_column(String(1000))
    # Resolved by staff while its condition still held: the sweep opens this kind and subject again
    # only after the condition has cleared once (then it sets this back to false).
    reopen_blocked: Mapped[bool] = mapped_column(default=False)
