"""Orders: the snapshot of a converted cart, its allocations of stock, and its payments."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Amount, Base, UTCDateTime, utcnow


class EcommerceOrder(Base):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_created_at", "created_at"),
        Index("ix_orders_customer_id", "customer_id", "id"),
        Index("ix_orders_status", "status"),
        # salesReport: the period's orders with everything the report reads (an index-only scan).
        Index("ix_orders_report", "created_at", "channel_id", "campaign_id", "status", "total", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    # One order per cart: the database itself refuses a second conversion.
    cart_id: Mapped[str] = mapped_column(ForeignKey("carts.id"), unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    status: Mapped[str] = mapped_column(String(16))
    payment_status: Mapped[str] = mapped_column(String(24))
    email: Mapped[str] = mapped_column(String(254))
    shipping_address: Mapped[dict[str, Any]] = mapped_column(JSON)
    delivery_method_id: Mapped[int | None] = mapped_column(ForeignKey("delivery_methods.id"))
    delivery_method_name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[Decimal] = mapped_column(Amount)
    discount: Mapped[Decimal] = mapped_column(Amount)
    shipping: Mapped[Decimal] = mapped_column(Amount)
    # The part of the discount that went to shipping (free-shipping campaigns): shipping paid is
    # shipping - shipping_discount.
    shipping_discount: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    # Shipping already given back (only by an explicit, approved choice on a refund).
    shipping_refunded: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    total: Mapped[Decimal] = mapped_column(Amount)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OrderLine(Base):
    __tablename__ = "order_lines"
    __table_args__ = (CheckConstraint("quantity >= 1", name="quantity_positive"),
                      # salesReport sums units per order of the period from this index alone.
                      Index("ix_order_lines_report", "order_id", "quantity"))

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("product_variants.id"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    product_name: Mapped[str] = mapped_column(String(200))
    variant_name: Mapped[str] = mapped_column(String(200))
    sku: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(Amount)
    total: Mapped[Decimal] = mapped_column(Amount)
    # This line's share of the cart discount, snapshotted at checkout (app.domain.pricing.allocate):
    # what was paid for the line is total - discount, and refunds are computed from it.
    discount: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))


class Allocation(Base):
    """Units of an order line held in one warehouse's stock row until shipped or released."""

    __tablename__ = "allocations"
    __table_args__ = (CheckConstraint("quantity >= 0", name="quantity_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), index=True)
    stock_id: Mapped[int] = mapped_column(ForeignKey("stocks.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    quantity: Mapped[int]


class Payment(Base):
    __tablename__ = "payments"
    # The database itself refuses paying out more than was captured, or capturing more than was
    # authorized (app/services/orders.refund_payment checks it first, with a message).
    __table_args__ = (CheckConstraint("captured_amount >= 0 AND captured_amount <= amount",
                                      name="captured_within_amount"),
                      CheckConstraint("refunded_amount >= 0 AND refunded_amount <= captured_amount",
                                      name="refunded_within_captured"))

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    gateway: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(24))
    amount: Mapped[Decimal] = mapped_column(Amount)
    captured_amount: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    refunded_amount: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
