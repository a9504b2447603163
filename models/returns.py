"""Return requests and four-eyes approvals."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Amount, Base, UTCDateTime, utcnow


class ReturnRequest(Base):
    __tablename__ = "return_requests"
    __table_args__ = (Index("ix_return_requests_status", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(1000))
    note: Mapped[str | None] = mapped_column(String(1000))
    approval_id: Mapped[int | None] = mapped_column(ForeignKey("approval_requests.id"))
    refund_amount: Mapped[Decimal | None] = mapped_column(Amount)
    # The part of refund_amount that gave back shipping (an explicit, approved choice).
    refund_shipping: Mapped[Decimal | None] = mapped_column(Amount)
    # Set when rejected: its lines no longer count against what may still be returned.
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReturnLine(Base):
    __tablename__ = "return_lines"
    __table_args__ = (CheckConstraint("quantity >= 1", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    return_request_id: Mapped[int] = mapped_column(ForeignKey("return_requests.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), index=True)
    quantity: Mapped[int]
    reason: Mapped[str | None] = mapped_column(String(1000))


class ApprovalRequest(Base):
    """A request for a manager to allow what policy alone refuses, bound to one action on one
    subject and consumed once by the mutation that names it."""

    __tablename__ = "approval_requests"
    __table_args__ = (Index("ix_approval_requests_status", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(1000))
    requested_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_by: Mapped[str] = mapped_column(String(254))
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by: Mapped[str | None] = mapped_column(String(254))
    evidence: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
