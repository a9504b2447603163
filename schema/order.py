"""Order types: the order snapshot, its lines and filters."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from app.context import Context
from app.domain.states import PaymentStatus as DomainPaymentStatus
from app.ids import encode_id
from app.policy.order_lifecycle import OrderStatus as DomainOrderStatus
from app.policy.order_lifecycle import available_transitions
from app.policy.reads import may_read_order
from schema.campaign import Campaign, readable_campaign
from schema.cart import Address
from schema.catalog import ProductVariant
from schema.common import IDEMPOTENCY_KEY_REQUIRED, USER_ERRORS, Money, Node, UserError
from schema.store import Channel

if TYPE_CHECKING:
    from schema.fulfillment import Fulfillment
    from schema.returns import ReturnRequest

Info = strawberry.Info[Context, None]

OrderStatus = strawberry.enum(DomainOrderStatus, name="OrderStatus", description="Where an order stands.")
PaymentStatus = strawberry.enum(DomainPaymentStatus, name="PaymentStatus", description="Where its payment stands.")


@strawberry.type(description="A line of an order: a snapshot of what was bought, at what price.")
class OrderLine:
    id: strawberry.ID = strawberry.field(description="Id of the line, for fulfillment and return inputs.")
    product_name: str = strawberry.field(description="Product name at checkout.")
    sku: str = strawberry.field(description="SKU of the variant at checkout.")
    quantity: int = strawberry.field(description="Units ordered.")
    unit_price: Money = strawberry.field(description="List price of one unit at checkout.")
    total: Money = strawberry.field(description="unitPrice x quantity, before the order's discount.")
    discount: Money = strawberry.field(
        description="This line's share of the order's discount, fixed at checkout (in proportion to line totals).")
    paid_total: Money = strawberry.field(
        description="What was paid for the line: total - discount. Refunds of its units come from this.")
    pk: strawberry.Private[int]
    variant_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any, currency: str) -> "OrderLine":
        m = lambda amount: Money(amount=amount, currency=currency)
        return cls(id=strawberry.ID(encode_id("OrderLine", row.id)), product_name=row.product_name, sku=row.sku,
                   quantity=row.quantity, unit_price=m(row.unit_price), total=m(row.total),
                   discount=m(row.discount), paid_total=m(row.total - row.discount),
                   pk=row.id, variant_id=row.variant_id)

    @strawberry.field(description="Units in fulfillments that are not cancelled.")
    async def quantity_fulfilled(self, info: Info) -> int:
        return int(await info.context.orders.quantity_fulfilled.load(self.pk))

    @strawberry.field(description="Units in returns that reached RECEIVED.")
    async def quantity_returned(self, info: Info) -> int:
        return int(await info.context.orders.quantity_returned.load(self.pk))

    @strawberry.field(description="The variant bought, if it still exists.")
    async def variant(self, info: Info) -> ProductVariant | None:
        row = await info.context.catalog.variant.load(self.variant_id) if self.variant_id else None
        return ProductVariant.from_row(row, info.context.settings.currency) if row else None


@strawberry.type(description="An order: the converted cart, with its lines, payment and fulfillment.")
class EcommerceOrder(Node):
    number: str = strawberry.field(description="Order number shown to shoppers, e.g. CG-000042.")
    status: OrderStatus = strawberry.field(description="Current status.")  # type: ignore[valid-type]
    payment_status: PaymentStatus = strawberry.field(  # type: ignore[valid-type]
        description="Status of the order's payment.")
    email: str = strawberry.field(description="E-mail the order was placed with.")
    subtotal: Money = strawberry.field(description="Sum of the line totals, before discount and shipping.")
    discount: Money = strawberry.field(description="Campaign discount at checkout, on items or on shipping.")
    shipping: Money = strawberry.field(description="Price of the delivery method at checkout.")
    shipping_discount: Money = strawberry.field(
        description="The part of the discount that went to shipping (free-shipping campaigns).")
    shipping_refunded: Money = strawberry.field(
        description="Shipping given back so far (only by an explicit, approved choice on a refund).")
    total: Money = strawberry.field(
        description="subtotal + shipping - discount: the amount authorized at checkout (refunds not "
                    "deducted).")
    shipping_address: Address = strawberry.field(description="Where it ships, as given at checkout.")
    delivery_method_name: str = strawberry.field(description="The delivery method chosen at checkout.")
    created_at: datetime = strawberry.field(description="When the order was placed.")
    pk: strawberry.Private[int]
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any, currency: str) -> "EcommerceOrder":
        m = lambda amount: Money(amount=amount, currency=row.currency or currency)
        return cls(id=strawberry.ID(encode_id("EcommerceOrder", row.id)), number=row.number,
                   status=DomainOrderStatus(row.status), payment_status=DomainPaymentStatus(row.payment_status),
                   email=row.email, subtotal=m(row.subtotal), discount=m(row.discount), shipping=m(row.shipping),
                   shipping_discount=m(row.shipping_discount), shipping_refunded=m(row.shipping_refunded),
                   total=m(row.total), shipping_address=Address.from_dict(row.shipping_address),  # type: ignore[arg-type]
                   delivery_method_name=row.delivery_method_name, created_at=row.created_at, pk=row.id, row=row)

    @strawberry.field(description="Statuses this order may move to next, for the viewer.")
    def available_transitions(self, info: Info) -> list[OrderStatus]:  # type: ignore[valid-type]
        viewer = info.context.viewer
        if viewer is None:
            return []
        return available_transitions(DomainOrderStatus(self.row.status), roles=viewer.roles,
                                     is_owner=viewer.customer_id is not None
                                     and viewer.customer_id == self.row.customer_id)

    @strawberry.field(description="The channel the order was placed on.")
    async def channel(self, info: Info) -> Channel:
        return Channel.from_row(await info.context.catalog.channel.load(self.row.channel_id))

    @strawberry.field(description="The campaign the order is attributed to, if any; null while it is unreleased "
                                  "(DRAFT, SCHEDULED), except for MERCHANDISER, MANAGER, ADMIN.")
    async def campaign(self, info: Info) -> Campaign | None:
        return readable_campaign(info, await info.context.catalog.campaign.load(self.row.campaign_id)
                                 if self.row.campaign_id else None)

    @strawberry.field(description="What was bought.")
    async def lines(self, info: Info) -> list[OrderLine]:
        rows = await info.context.orders.order_lines.load(self.pk)
        return [OrderLine.from_row(r, info.context.settings.currency) for r in rows]

    @strawberry.field(description="Shipments of this order, oldest first.")
    async def fulfillments(self, info: Info) -> list[Annotated["Fulfillment", strawberry.lazy("schema.fulfillment")]]:
        from schema.fulfillment import Fulfillment

        if not may_read_order(info.context.viewer, self.row.customer_id):
            return []
        return [Fulfillment.from_row(r) for r in await info.context.orders.fulfillments.load(self.pk)]

    @strawberry.field(description="Return requests of this order, oldest first.")
    async def return_requests(self, info: Info) -> list[Annotated["ReturnRequest", strawberry.lazy("schema.returns")]]:
        from schema.returns import ReturnRequest

        if not may_read_order(info.context.viewer, self.row.customer_id):
            return []
        return [ReturnRequest.from_row(r, info.context.settings.currency)
                for r in await info.context.orders.return_requests.load(self.pk)]


@strawberry.input(description="Narrow an order list; all given conditions must hold.")
class OrderFilter:
    status: list[OrderStatus] | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Orders in any of these statuses (at most 10).")
    channel: str | None = strawberry.field(default=None, description="Channel slug.")
    campaign_id: strawberry.ID | None = strawberry.field(
        default=None, description="Orders attributed to this campaign.")
    created_after: datetime | None = strawberry.field(
        default=None, description="Orders placed at or after this moment.")
    created_before: datetime | None = strawberry.field(
        default=None, description="Orders placed before this moment.")


@strawberry.type(description="Result of checkoutComplete.")
class CheckoutCompletePayload:
    order: EcommerceOrder | None = strawberry.field(
        default=None, description="The order placed; null when refused.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.input(description="Cancel an order.")
class OrderCancelInput:
    order_id: strawberry.ID = strawberry.field(description="The order to cancel.")
    reason: str = strawberry.field(description="Why, for the audit trail; at most 1,000 characters.")
    approval_id: strawberry.ID | None = strawberry.field(
        default=None, description="An approved ApprovalRequest that allows what policy alone would refuse.")
    idempotency_key: str = strawberry.field(description=IDEMPOTENCY_KEY_REQUIRED)


@strawberry.type(description="Result of an order mutation.")
class OrderPayload:
    order: EcommerceOrder | None = strawberry.field(
        default=None, description="The order as it is now; null when refused.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)
