"""Stock per variant and warehouse."""

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Stock(Base):
    """Units on hand and allocated to placed orders; available = on_hand - allocated.

    The check constraints are the last line of defence against oversell: allocation is a
    conditional UPDATE, and the database itself refuses any row where allocated > on_hand.
    """

    __tablename__ = "stocks"
    __table_args__ = (
        UniqueConstraint("variant_id", "warehouse_id"),
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("allocated >= 0", name="allocated_not_negative"),
        CheckConstraint("allocated <= on_hand", name="allocated_within_on_hand"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("product_variants.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    on_hand: Mapped[int] = mapped_column(default=0)
    allocated: Mapped[int] = mapped_column(default=0)
