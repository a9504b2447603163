"""What stops a cart from being checked out now. Pure: the same list shows in `Cart.problems`
and refuses `checkoutComplete`."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from app.domain.carts import CHANGEABLE
from app.domain.errors import ErrorCode, Problem
from app.domain.states import CartStatus, ProductStatus


@dataclass(frozen=True, slots=True)
class LineStock:
    label: str  # "Trail Runner / 42"
    quantity: int
    available: int
    sellable: bool = True  # the product is ACTIVE, published on the cart's channel and buyable now


@dataclass(frozen=True, slots=True)
class CheckoutFacts:
    status: CartStatus
    lines: Sequence[LineStock]
    email: str | None
    has_address: bool
    delivery_method_id: int | None
    delivery_method_offered: bool
    promo_problem: str | None


def sellable(*, status: str, is_published: bool | None, available_from: datetime | None, now: datetime,
             variant_archived: bool = False) -> bool:
    """A variant can be bought on a channel when it is not archived and its product is ACTIVE,
    published there (no listing row: published) and its availableForPurchaseAt, if any, has come."""
    return (not variant_archived and status == ProductStatus.ACTIVE and is_published is not False
            and (available_from is None or available_from <= now))


def checkout_problems(facts: CheckoutFacts) -> list[Problem]:
    problems: list[Problem] = []
    if facts.status not in CHANGEABLE:
        problems.append(Problem(ErrorCode.CART_NOT_ACTIVE, f"This cart is {facts.status.lower()}.", ("cartId",)))
    if not facts.lines:
        problems.append(Problem(ErrorCode.REQUIRED, "The cart is empty.", ("lines",)))
    for i, line in enumerate(facts.lines):
        if not line.sellable:
            problems.append(Problem(ErrorCode.PRODUCT_UNAVAILABLE, f"{line.label} is no longer sold here; "
                                    "remove it to check out.", ("lines", str(i))))
        elif line.quantity > line.available:
            left = f"Only {line.available} left" if line.available > 0 else "None left"
            problems.append(Problem(ErrorCode.OUT_OF_STOCK, f"{left} of {line.label}.", ("lines", str(i))))
    if not facts.email:
        problems.append(Problem(ErrorCode.REQUIRED, "An e-mail address is required.", ("email",)))
    if not facts.has_address:
        problems.append(Problem(ErrorCode.REQUIRED, "A shipping address is required.", ("shippingAddress",)))
    if facts.delivery_method_id is None:
        problems.append(Problem(ErrorCode.REQUIRED, "Choose a delivery method.", ("deliveryMethodId",)))
    elif not facts.delivery_method_offered:
        problems.append(Problem(ErrorCode.INVALID, "That delivery method is not offered on this channel.",
                                ("deliveryMethodId",)))
    if facts.promo_problem:
        problems.append(Problem(ErrorCode.PROMO_NOT_APPLICABLE, facts.promo_problem, ("promoCode",)))
    return problems
