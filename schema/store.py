"""Store structure types: Channel, Warehouse, DeliveryMethod."""

from typing import Any

import strawberry

from app.ids import encode_id
from schema.common import Money, Node


@strawberry.type(description="A sales channel (web shop, mobile app...): orders and campaigns are attributed to one.")
class Channel(Node):
    slug: str = strawberry.field(description="Short unique name, used by storefronts (X-Channel header).")
    name: str = strawberry.field(description="Display name.")
    currency: str = strawberry.field(description="ISO 4217 currency code.")
    pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> "Channel":
        return cls(id=strawberry.ID(encode_id("Channel", row.id)), slug=row.slug, name=row.name,
                   currency=row.currency, pk=row.id)


@strawberry.type(description="A place that holds stock and ships fulfillments.")
class Warehouse(Node):
    name: str = strawberry.field(description="Display name.")
    code: str = strawberry.field(description="Short unique code.")
    pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> "Warehouse":
        return cls(id=strawberry.ID(encode_id("Warehouse", row.id)), name=row.name, code=row.code, pk=row.id)

    @classmethod
    def placeholder(cls) -> "Warehouse":
        """What a non-staff reader sees where the schema promises a warehouse: nothing that names one."""
        return cls(id=strawberry.ID(encode_id("Warehouse", "hidden")), name="", code="", pk=0)


@strawberry.type(description="A way to ship an order, with its price.")
class DeliveryMethod(Node):
    name: str = strawberry.field(description="Display name.")
    price: Money = strawberry.field(description="Price for a cart, before any free-shipping campaign.")
    pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any, currency: str) -> "DeliveryMethod":
        return cls(id=strawberry.ID(encode_id("DeliveryMethod", row.id)), name=row.name,
                   price=Money(amount=row.price, currency=currency), pk=row.id)
