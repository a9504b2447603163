"""Cart types: the cart, its lines, addresses, and what stops checkout."""

from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry

from app.context import Context
from app.domain.states import CartStatus as DomainCartStatus
from app.ids import encode_id
from app.services.cart_view import CartView, LineView
from schema.campaign import Campaign, readable_campaign
from schema.catalog import ProductVariant
from schema.common import IDEMPOTENCY_KEY, IDEMPOTENCY_KEY_REQUIRED, USER_ERRORS, Money, Node, UserError
from schema.store import Channel, DeliveryMethod

Info = strawberry.Info[Context, None]
CART_ID = "The cart to change."

CartStatus = strawberry.enum(DomainCartStatus, name="CartStatus",
                             description="ABANDONED and EXPIRED are computed from updatedAt.")


@strawberry.type(description="A postal address.")
class Address:
    name: str = strawberry.field(description="Name of the recipient.")
    line1: str = strawberry.field(description="First address line.")
    line2: str | None = strawberry.field(description="Second address line, if any.")
    city: str = strawberry.field(description="City.")
    postal_code: str = strawberry.field(description="Postal code.")
    country: str = strawberry.field(description="ISO 3166 alpha-2 code.")
    phone: str | None = strawberry.field(description="Phone number, if given.")

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "Address | None":
        if not data:
            return None
        return cls(name=data["name"], line1=data["line1"], line2=data.get("line2"), city=data["city"],
                   postal_code=data["postalCode"], country=data["country"], phone=data.get("phone"))


@strawberry.input(description="A postal address.")
class AddressInput:
    name: str = strawberry.field(description="Name of the recipient, at most 200 characters.")
    line1: str = strawberry.field(description="First address line, at most 200 characters.")
    line2: str | None = strawberry.field(
        default=None, description="Second address line, at most 200 characters.")
    city: str = strawberry.field(description="City, at most 100 characters.")
    postal_code: str = strawberry.field(description="Postal code, at most 20 characters.")
    country: str = strawberry.field(description="ISO 3166 alpha-2 code, e.g. US.")
    phone: str | None = strawberry.field(default=None, description="Phone number, at most 32 characters.")

    def to_dict(self) -> dict[str, str | None]:
        return {"name": self.name, "line1": self.line1, "line2": self.line2, "city": self.city,
                "postalCode": self.postal_code, "country": self.country, "phone": self.phone}


def money(amount: Decimal, info: Info) -> Money:
    return Money(amount=amount, currency=info.context.settings.currency)


@strawberry.type(description="A line of a cart: units of one variant.")
class CartLine:
    id: strawberry.ID = strawberry.field(
        description="Id of the line, for cartLinesUpdate and cartLinesRemove.")
    quantity: int = strawberry.field(description="Units of the variant, 1 to 999.")
    unit_price: Money = strawberry.field(description="Current list price of one unit.")
    total: Money = strawberry.field(description="unitPrice x quantity, before the cart's discount.")
    variant_id: strawberry.Private[int]

    @classmethod
    def from_view(cls, line: LineView, currency: str) -> "CartLine":
        return cls(id=strawberry.ID(encode_id("CartLine", line.id)), quantity=line.quantity,
                   unit_price=Money(amount=line.unit_price, currency=currency),
                   total=Money(amount=line.total, currency=currency), variant_id=line.variant_id)

    @strawberry.field(description="The variant in this line.")
    async def variant(self, info: Info) -> ProductVariant:
        row = await info.context.catalog.variant.load(self.variant_id)
        return ProductVariant.from_row(row, info.context.settings.currency)


@strawberry.type(description="A shopper's cart, priced now.")
class Cart(Node):
    status: CartStatus = strawberry.field(description="Status as of now.")  # type: ignore[valid-type]
    email: str | None = strawberry.field(
        description="E-mail the order will carry, once given (a signed-in customer's own by default).")
    lines: list[CartLine] = strawberry.field(description="Lines, in the order they were added.")
    subtotal: Money = strawberry.field(description="Sum of the line totals, before discount and shipping.")
    discount: Money = strawberry.field(description="Campaign discount on items, or on shipping.")
    shipping: Money = strawberry.field(
        description="Price of the chosen delivery method; 0 until one is chosen.")
    total: Money = strawberry.field(description="subtotal + shipping - discount, never below 0.")
    shipping_address: Address | None = strawberry.field(description="Where to ship, once given.")
    problems: list[UserError] = strawberry.field(
        description="What would stop checkout now: lines out of stock, a promo that no longer applies, missing data.")
    promo_code_applied: bool = strawberry.field(description="Whether a promo code is applied to this cart.")
    updated_at: datetime = strawberry.field(
        description="When the cart last changed; ABANDONED and EXPIRED are counted from here.")
    created_at: datetime = strawberry.field(description="When the cart was started.")
    view: strawberry.Private[CartView]

    @classmethod
    def from_view(cls, view: CartView, currency: str) -> "Cart":
        cart, q = view.cart, view.quote
        return cls(
            id=strawberry.ID(encode_id("Cart", cart.id)), status=view.status, email=cart.email,
            lines=[CartLine.from_view(li, currency) for li in view.lines],
            subtotal=Money(amount=q.subtotal, currency=currency), discount=Money(amount=q.discount, currency=currency),
            shipping=Money(amount=q.shipping, currency=currency), total=Money(amount=q.total, currency=currency),
            shipping_address=Address.from_dict(cart.shipping_address),
            problems=[UserError.of(p) for p in view.problems], promo_code_applied=cart.promo_campaign_id is not None,
            updated_at=cart.updated_at, created_at=cart.created_at, view=view)

    @strawberry.field(description="The channel the cart sells on.")
    async def channel(self, info: Info) -> Channel:
        return Channel.from_row(await info.context.catalog.channel.load(self.view.cart.channel_id))

    @strawberry.field(description="The campaign discounting the cart, if any; null while it is unreleased "
                                  "(DRAFT, SCHEDULED), except for MERCHANDISER, MANAGER, ADMIN.")
    async def campaign(self, info: Info) -> Campaign | None:
        campaign_id = self.view.quote.campaign_id
        return readable_campaign(info, await info.context.catalog.campaign.load(campaign_id) if campaign_id else None)

    @strawberry.field(description="The chosen delivery method.")
    async def delivery_method(self, info: Info) -> DeliveryMethod | None:
        method_id = self.view.cart.delivery_method_id
        row = await info.context.catalog.delivery_method.load(method_id) if method_id else None
        return DeliveryMethod.from_row(row, info.context.settings.currency) if row else None

    @strawberry.field(description="Delivery methods offered on the cart's channel, cheapest first.")
    async def available_delivery_methods(self, info: Info) -> list[DeliveryMethod]:
        rows = await info.context.catalog.delivery_method.load_many(self.view.offered_delivery_method_ids)
        return [DeliveryMethod.from_row(r, info.context.settings.currency) for r in rows if r is not None]


@strawberry.input(description="A variant and a number of units (1 to 999).")
class CartLineInput:
    variant_id: strawberry.ID = strawberry.field(description="The product variant.")
    quantity: int = strawberry.field(description="Units, 1 to 999 (a line holds at most 999).")


@strawberry.input(description="Where the shopper came from, for attribution.")
class UtmInput:
    source: str | None = strawberry.field(default=None, description="utm_source, at most 200 characters.")
    medium: str | None = strawberry.field(default=None, description="utm_medium, at most 200 characters.")
    campaign: str | None = strawberry.field(
        default=None, description="utm_campaign, at most 200 characters; a campaign's promo code here "
                                  "attributes the cart to that campaign.")


@strawberry.input(description="Start a cart on a channel.")
class CartCreateInput:
    channel: str = strawberry.field(description="Channel slug, e.g. \"web\".")
    lines: list[CartLineInput] | None = strawberry.field(
        default=None, description="Lines to start with (at most 100); omitted: an empty cart.")
    email: str | None = strawberry.field(
        default=None, description="E-mail for the order; omitted: a signed-in customer's own.")
    promo_code: str | None = strawberry.field(
        default=None, description="A promo code to apply at once, at most 64 characters "
                                  "(PROMO_NOT_APPLICABLE when it does not apply).")
    utm: UtmInput | None = strawberry.field(default=None, description="Where the shopper came from.")
    idempotency_key: str | None = strawberry.field(
        default=None, description="Optional retry key, 1 to 200 characters (without signing in: a random "
                                  "value of at least 22, such as a UUID): the same key with the same input "
                                  "replays the first result, with another input it is "
                                  "IDEMPOTENCY_KEY_REUSED.")


@strawberry.input(description="Add units to a cart; a variant already in it gets more units.")
class CartLinesAddInput:
    cart_id: strawberry.ID = strawberry.field(description=CART_ID)
    lines: list[CartLineInput] = strawberry.field(description="Variants and units to add, 1 to 100 lines.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input(description="A cart line and its new quantity (0 removes it).")
class CartLineUpdateInput:
    line_id: strawberry.ID = strawberry.field(description="A line of the cart.")
    quantity: int = strawberry.field(description="New number of units, 0 to 999; 0 removes the line.")


@strawberry.input(description="Change quantities of cart lines.")
class CartLinesUpdateInput:
    cart_id: strawberry.ID = strawberry.field(description=CART_ID)
    lines: list[CartLineUpdateInput] = strawberry.field(
        description="Lines and their new quantities, 1 to 100.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input(description="Remove lines from a cart.")
class CartLinesRemoveInput:
    cart_id: strawberry.ID = strawberry.field(description=CART_ID)
    line_ids: list[strawberry.ID] = strawberry.field(description="Lines of the cart to remove, 1 to 100.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input(description="Apply a promo code to a cart; an empty code removes the applied one.")
class CartPromoCodeInput:
    cart_id: strawberry.ID = strawberry.field(description=CART_ID)
    code: str = strawberry.field(
        description="Promo code, in any case, at most 64 characters; empty removes the applied one.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input(description="Set the e-mail, shipping address and delivery method of a cart.")
class CartDeliveryInput:
    cart_id: strawberry.ID = strawberry.field(description=CART_ID)
    email: str | None = strawberry.field(
        default=None, description="E-mail for the order, at most 254 characters; omitted: unchanged.")
    shipping_address: AddressInput | None = strawberry.field(
        default=None, description="Where to ship; omitted: unchanged.")
    delivery_method_id: strawberry.ID | None = strawberry.field(
        default=None, description="A delivery method offered on the cart's channel; omitted: unchanged.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.type(description="Result of a cart mutation.")
class CartPayload:
    cart: Cart | None = strawberry.field(
        default=None, description="The cart as it is now; null when refused.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.input(description="How the shopper pays.")
class PaymentInput:
    gateway: str = strawberry.field(
        description="Name of a configured payment gateway; the built-in test gateway is \"test\".")
    token: str = strawberry.field(
        description="Gateway token for the shopper's payment method. The test gateway declines \"tok_decline\".")


@strawberry.input(description="Turn a cart into an order.")
class CheckoutCompleteInput:
    cart_id: strawberry.ID = strawberry.field(description="The cart to turn into an order.")
    payment: PaymentInput = strawberry.field(description="How the shopper pays.")
    idempotency_key: str = strawberry.field(description=IDEMPOTENCY_KEY_REQUIRED)
