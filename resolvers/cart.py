"""Carts and checkout: for the cart's owner (guest carts: whoever holds the id)."""

from typing import Annotated, Any

import strawberry

from app.ids import decode_id
from app.policy.reads import may_read_cart
from app.rate_limits import Check, enforce
from app.services import carts as cart_service
from app.services.checkout import PaymentRequest, complete_checkout
from resolvers.base import TEXT_KEY_RE, Info, currency, input_key, input_pk, write
from schema.cart import (
    Cart,
    CartCreateInput,
    CartDeliveryInput,
    CartLineInput,
    CartLinesAddInput,
    CartLinesRemoveInput,
    CartLinesUpdateInput,
    CartPayload,
    CartPromoCodeInput,
    CheckoutCompleteInput,
)
from schema.order import CheckoutCompletePayload, EcommerceOrder


def _lines(lines: list[CartLineInput] | None) -> list[cart_service.LineChange]:
    return [cart_service.LineChange(input_pk(line.variant_id, "ProductVariant", "lines", str(i), "variantId") or 0,
                                    line.quantity) for i, line in enumerate(lines or [])]


def _present_cart(info: Info) -> Any:
    async def present(cart: Any) -> dict[str, Any]:
        loader = info.context.orders.cart_view
        loader.clear(cart.id)
        return {"cart": Cart.from_view(await loader.load(cart.id), currency(info))}
    return present


async def _promo_attempt(info: Info, code: str | None, cart_id: str | None, *field: str) -> None:
    """Count a promo code attempt per client and per cart: RATE_LIMITED once codes are being guessed."""
    if not code or not code.strip():
        return
    rules = info.context.rate_rules
    checks: list[Check] = [(rules.promo_per_client, info.context.client_address)]
    if cart_id:
        checks.append((rules.promo_per_cart, cart_id))
    await enforce(info.context.limiter, checks, "input", *field)


@strawberry.type
class CartQuery:
    @strawberry.field(description="A cart, for its owner (a guest cart: whoever holds its id).")
    async def cart(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="Global id of the cart, as cartCreate returned it.")]) -> Cart | None:
        decoded = decode_id(id)
        if decoded is None or decoded[0] != "Cart" or not TEXT_KEY_RE.match(decoded[1]):
            return None
        view = await info.context.orders.cart_view.load(decoded[1])
        if view is None or not may_read_cart(info.context.viewer, view.cart.customer_id):
            return None
        return Cart.from_view(view, currency(info))


@strawberry.type
class CartMutation:
    @strawberry.mutation(description=(
        "Start a cart; signed-in customers own theirs. Promo code attempts are limited per client "
        "(RATE_LIMITED with retryAfter)."))
    async def cart_create(
        self, info: Info,
        input: Annotated[CartCreateInput, strawberry.argument(
            description="The channel, and optionally first lines, e-mail, promo code and attribution.")],
    ) -> CartPayload:
        utm = input.utm

        async def run(uow: Any) -> Any:
            await _promo_attempt(info, input.promo_code, None, "promoCode")
            return await cart_service.create_cart(
                uow=uow, channel=input.channel, lines=_lines(input.lines), email=input.email,
                promo_code=input.promo_code, abandon_after=info.context.abandon_after,
                utm={"source": utm.source, "medium": utm.medium, "campaign": utm.campaign} if utm else {})
        return await write(info, CartPayload, input, run, _present_cart(info))

    @strawberry.mutation(description="Add units to a cart.")
    async def cart_lines_add(
        self, info: Info,
        input: Annotated[CartLinesAddInput, strawberry.argument(
            description="The cart and the units to add.")],
    ) -> CartPayload:
        return await write(info, CartPayload, input, lambda uow: cart_service.add_lines(
            uow=uow, cart_id=input_key(input.cart_id, "Cart", "cartId"), lines=_lines(input.lines),
            abandon_after=info.context.abandon_after), _present_cart(info))

    @strawberry.mutation(description="Change quantities of cart lines (0 removes a line).")
    async def cart_lines_update(
        self, info: Info,
        input: Annotated[CartLinesUpdateInput, strawberry.argument(
            description="The cart and the lines' new quantities.")],
    ) -> CartPayload:
        return await write(info, CartPayload, input, lambda uow: cart_service.update_lines(
            uow=uow, cart_id=input_key(input.cart_id, "Cart", "cartId"),
            lines=[cart_service.LineChange(input_pk(line.line_id, "CartLine", "lines", str(i), "lineId") or 0,
                                           line.quantity) for i, line in enumerate(input.lines)],
            abandon_after=info.context.abandon_after), _present_cart(info))

    @strawberry.mutation(description="Remove lines from a cart.")
    async def cart_lines_remove(
        self, info: Info,
        input: Annotated[CartLinesRemoveInput, strawberry.argument(
            description="The cart and the lines to remove.")],
    ) -> CartPayload:
        return await write(info, CartPayload, input, lambda uow: cart_service.remove_lines(
            uow=uow, cart_id=input_key(input.cart_id, "Cart", "cartId"),
            line_ids=[input_pk(line_id, "CartLine", "lineIds", str(i)) or 0
                      for i, line_id in enumerate(input.line_ids)],
            abandon_after=info.context.abandon_after), _present_cart(info))

    @strawberry.mutation(description=(
        "Apply a promo code (PROMO_NOT_APPLICABLE when it does not apply now). Attempts are limited "
        "per client and per cart (RATE_LIMITED with retryAfter)."))
    async def cart_promo_code_apply(
        self, info: Info,
        input: Annotated[CartPromoCodeInput, strawberry.argument(
            description="The cart and the promo code.")],
    ) -> CartPayload:
        async def run(uow: Any) -> Any:
            cart_id = input_key(input.cart_id, "Cart", "cartId")
            await _promo_attempt(info, input.code, cart_id, "code")
            return await cart_service.apply_promo_code(uow=uow, cart_id=cart_id, code=input.code,
                                                       abandon_after=info.context.abandon_after)
        return await write(info, CartPayload, input, run, _present_cart(info))

    @strawberry.mutation(description="Set the e-mail, shipping address and delivery method.")
    async def cart_delivery_update(
        self, info: Info,
        input: Annotated[CartDeliveryInput, strawberry.argument(
            description="The cart and the delivery details to set.")],
    ) -> CartPayload:
        return await write(info, CartPayload, input, lambda uow: cart_service.update_delivery(
            uow=uow, cart_id=input_key(input.cart_id, "Cart", "cartId"), email=input.email,
            address=input.shipping_address.to_dict() if input.shipping_address else None,
            delivery_method_id=input_pk(input.delivery_method_id, "DeliveryMethod", "deliveryMethodId"),
            abandon_after=info.context.abandon_after), _present_cart(info))

    @strawberry.mutation(description="Turn the cart into an order: re-price, allocate stock, authorize payment.")
    async def checkout_complete(
        self, info: Info,
        input: Annotated[CheckoutCompleteInput, strawberry.argument(
            description="The cart, the payment and a retry key.")],
    ) -> CheckoutCompletePayload:
        return await write(info, CheckoutCompletePayload, input, lambda uow: complete_checkout(
            uow=uow, cart_id=input_key(input.cart_id, "Cart", "cartId"),
            payment=PaymentRequest(input.payment.gateway, input.payment.token), gateways=info.context.gateways,
            currency=currency(info), abandon_after=info.context.abandon_after),
            lambda order: {"order": EcommerceOrder.from_row(order, currency(info))})
