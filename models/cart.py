"""Carts: a shopper's lines before checkout, with channel and campaign attribution."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class Cart(Base):
    """A cart. Its id is an unguessable token: a guest cart belongs to whoever holds it.

    `status` stores ACTIVE, CONVERTED or EXPIRED; ABANDONED (and expiry by age) are computed
    from `updated_at` when read, so they never lag behind a job.
    """

    __tablename__ = "carts"
    # salesReport scans carts by created_at (ix_carts_created_at); a covering index would have to
    # hold updated_at, which every cart write changes (bench/sales_report.md).
    __table_args__ = (Index("ix_carts_created_at", "created_at"), Index("ix_carts_customer", "customer_id"))

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    status: Mapped[str] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(254))
    shipping_address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    delivery_method_id: Mapped[int | None] = mapped_column(ForeignKey("delivery_methods.id"))
    promo_campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    # Attribution for KPIs, kept up to date at every pricing of the cart.
    attributed_campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    utm_source: Mapped[str | None] = mapped_column(String(200))
    utm_medium: Mapped[str | None] = mapped_column(String(200))
    utm_campaign: Mapped[str | None] = mapped_column(String(200))
    line_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    converted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CartLine(Base):
    __tablename__ = "cart_lines"
    __table_args__ = (
        UniqueConstraint("cart_id", "variant_id"),
        CheckConstraint("quantity >= 1 AND quantity <= 999", name="quantity_in_bounds"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[str] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("product_variants.id"))
    quantity: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
