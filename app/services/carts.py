"""Carts: create, change lines, apply a promo code, set delivery details. Guest carts belong to
whoever holds their unguessable id; a signed-in customer's cart belongs to that customer alone."""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select

from app.domain.campaigns import RUNNING_STATUSES
from app.domain.carts import CHANGEABLE, MAX_LINE_QUANTITY, effective_status
from app.domain.errors import DomainError, ErrorCode
from app.domain.states import CART_TRANSITIONS, CartStatus, ProductStatus, transition
from app.domain.validation import CODE_MAX, NAME_MAX, Checker
from app.policy.reads import may_read_campaign_code
from app.services.cart_view import CartView, view_carts
from app.services.unit_of_work import UnitOfWork
from models import Campaign, Cart, CartLine, Channel, DeliveryMethod, Product, ProductVariant

UTM_MAX = 200
ADDRESS_FIELDS = {"name": NAME_MAX, "line1": NAME_MAX, "line2": NAME_MAX, "city": 100, "postalCode": 20,
                  "country": 2, "phone": 32}
ADDRESS_REQUIRED = ("name", "line1", "city", "postalCode", "country")


@dataclass(frozen=True, slots=True)
class LineChange:
    """A variant (to add) or a line (to update) and a quantity."""

    target_id: int
    quantity: int


def new_cart_id() -> str:
    return secrets.token_hex(16)


def _check_quantities(check: Checker, lines: Sequence[LineChange], field: str, *, allow_zero: bool) -> None:
    lowest = 0 if allow_zero else 1
    for i, line in enumerate(lines):
        check.at(field, i).count(line.quantity, "quantity", label="Quantity", minimum=lowest,
                                 maximum=MAX_LINE_QUANTITY)


async def cart_for_change(uow: UnitOfWork, cart_id: str, *, abandon_after: timedelta) -> Cart:
    """The cart, locked for this transaction, after the ownership and status checks every change
    needs. An abandoned cart becomes ACTIVE again on any change."""
    cart = await uow.session.get(Cart, cart_id, with_for_update=True, populate_existing=True) if len(cart_id) <= 64 else None
    if cart is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "That cart does not exist.", "input", "cartId")
    viewer = uow.actor.viewer
    if cart.customer_id is not None and (viewer is None or viewer.customer_id != cart.customer_id):
        raise DomainError.of(ErrorCode.PERMISSION_DENIED, "This cart belongs to another customer.",
                             "input", "cartId")
    line_count = await uow.session.scalar(select(func.count()).where(CartLine.cart_id == cart.id)) or 0
    status = effective_status(cart.status, updated_at=cart.updated_at, line_count=line_count, now=uow.now,
                              abandon_after=abandon_after)
    if status not in CHANGEABLE:
        raise DomainError.of(ErrorCode.CART_NOT_ACTIVE, f"This cart is {status.lower()} and cannot change.",
                             "input", "cartId")
    if status == CartStatus.ABANDONED:
        transition(CART_TRANSITIONS, status, CartStatus.ACTIVE, subject="cart")
        uow.audit(action="cart.reactivate", subject_type="Cart", subject_id=cart.id,
                  from_status=CartStatus.ABANDONED, to_status=CartStatus.ACTIVE)
    return cart


async def refresh(uow: UnitOfWork, cart: Cart, *, abandon_after: timedelta) -> CartView:
    """Re-price after a change: bump updatedAt, keep the line count and attribution current."""
    cart.updated_at = uow.now
    await uow.session.flush()
    view = (await view_carts(uow.session, [cart], now=uow.now, abandon_after=abandon_after))[cart.id]
    cart.line_count = len(view.lines)
    cart.attributed_campaign_id = view.attributed_campaign_id
    return view


async def _variants_exist(uow: UnitOfWork, lines: Sequence[LineChange], field: str) -> None:
    """Variants a shopper may add: not archived, of an ACTIVE product (others are not shown either)."""
    wanted = {line.target_id for line in lines}
    found = set((await uow.session.execute(
        select(ProductVariant.id).join(Product, Product.id == ProductVariant.product_id)
        .where(ProductVariant.id.in_(wanted), ProductVariant.is_archived.is_(False),
               Product.status == ProductStatus.ACTIVE))).scalars())
    missing = [i for i, line in enumerate(lines) if line.target_id not in found]
    if missing:
        raise DomainError([DomainError.of(ErrorCode.NOT_FOUND, "That product variant does not exist.",
                                          "input", field, str(i), "variantId").problems[0] for i in missing])


async def _add(uow: UnitOfWork, cart: Cart, lines: Sequence[LineChange]) -> None:
    """Add units; a variant already in the cart gets more units on its line (at most 999)."""
    existing = {line.variant_id: line for line in (await uow.session.execute(
        select(CartLine).where(CartLine.cart_id == cart.id))).scalars()}
    for i, change in enumerate(lines):
        line = existing.get(change.target_id)
        if line is None:
            line = CartLine(cart_id=cart.id, variant_id=change.target_id, quantity=0, created_at=uow.now)
            uow.session.add(line)
            existing[change.target_id] = line
        if line.quantity + change.quantity > MAX_LINE_QUANTITY:
            raise DomainError.of(ErrorCode.INVALID, f"A cart line holds at most {MAX_LINE_QUANTITY} units.",
                                 "input", "lines", str(i), "quantity")
        line.quantity += change.quantity


async def _promo_campaign(uow: UnitOfWork, code: str) -> Campaign | None:
    """The campaign of a code this caller may use. A code that is not live (app/policy/reads.py)
    and does not price carts now answers like an unknown code to all but the staff who may read
    unreleased campaigns, so guessing can neither discover nor redeem it."""
    campaign = await uow.session.scalar(select(Campaign).where(Campaign.code == code.strip().upper()))
    if campaign is None:
        return None
    running = (campaign.status in RUNNING_STATUSES
               and (campaign.starts_at is None or campaign.starts_at <= uow.now)
               and (campaign.ends_at is None or uow.now < campaign.ends_at))
    if running or may_read_campaign_code(uow.actor.viewer, campaign.status, campaign.starts_at, uow.now):
        return campaign
    return None


def _promo_refusal(message: str) -> DomainError:
    return DomainError.of(ErrorCode.PROMO_NOT_APPLICABLE, message, "input", "promoCode")


async def create_cart(*, uow: UnitOfWork, channel: str, lines: Sequence[LineChange], email: str | None,
                      promo_code: str | None, utm: dict[str, str | None], abandon_after: timedelta) -> Cart:
    check = Checker()
    check.text(channel, "channel", label="Channel", max_length=CODE_MAX, required=True)
    check.items(lines, "lines", label="line")
    _check_quantities(check, lines, "lines", allow_zero=False)
    email_ = check.email(email, "email")
    code = check.text(promo_code, "promoCode", label="Promo code", max_length=CODE_MAX)
    utm_ = {k: check.at("utm").text(v, k, label=f"utm.{k}", max_length=UTM_MAX) for k, v in utm.items()}
    check.raise_if_any()
    channel_id = await uow.session.scalar(select(Channel.id).where(Channel.slug == channel.strip()))
    if channel_id is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, f"No channel with slug {channel.strip()}.", "input", "channel")
    await _variants_exist(uow, lines, "lines")
    viewer = uow.actor.viewer
    cart = Cart(id=new_cart_id(), channel_id=channel_id, customer_id=viewer.customer_id if viewer else None,
                status=CartStatus.ACTIVE, email=email_ or (viewer.email if viewer and viewer.customer_id else None),
                utm_source=utm_.get("source"), utm_medium=utm_.get("medium"), utm_campaign=utm_.get("campaign"),
                created_at=uow.now, updated_at=uow.now)
    uow.session.add(cart)
    await uow.session.flush()
    await _add(uow, cart, lines)
    if code:
        campaign = await _promo_campaign(uow, code)
        if campaign is None:
            raise _promo_refusal(f"There is no promotion with code {code.upper()}.")
        cart.promo_campaign_id = campaign.id
    view = await refresh(uow, cart, abandon_after=abandon_after)
    if code and view.quote.promo_problem:
        raise _promo_refusal(view.quote.promo_problem)
    uow.audit(action="cart.create", subject_type="Cart", subject_id=cart.id, to_status=CartStatus.ACTIVE,
              data={"channel": channel.strip(), "lines": len(lines), "utm": utm_})
    await uow.commit(cart)
    return cart


async def add_lines(*, uow: UnitOfWork, cart_id: str, lines: Sequence[LineChange],
                    abandon_after: timedelta) -> Cart:
    check = Checker()
    check.items(lines, "lines", label="line", required=True)
    _check_quantities(check, lines, "lines", allow_zero=False)
    check.raise_if_any()
    cart = await cart_for_change(uow, cart_id, abandon_after=abandon_after)
    await _variants_exist(uow, lines, "lines")
    await _add(uow, cart, lines)
    await refresh(uow, cart, abandon_after=abandon_after)
    await uow.commit(cart)
    return cart


async def _own_lines(uow: UnitOfWork, cart: Cart, line_ids: Sequence[int], field: str,
                     suffix: str | None) -> dict[int, CartLine]:
    found = {line.id: line for line in (await uow.session.execute(
        select(CartLine).where(CartLine.cart_id == cart.id, CartLine.id.in_(set(line_ids))))).scalars()}
    missing = [i for i, line_id in enumerate(line_ids) if line_id not in found]
    if missing:
        path = lambda i: ("input", field, str(i), *([suffix] if suffix else []))
        raise DomainError([DomainError.of(ErrorCode.NOT_FOUND, "That line is not in this cart.", *path(i))
                           .problems[0] for i in missing])
    return found


async def update_lines(*, uow: UnitOfWork, cart_id: str, lines: Sequence[LineChange],
                       abandon_after: timedelta) -> Cart:
    """Set line quantities; 0 removes the line."""
    check = Checker()
    check.items(lines, "lines", label="line", required=True)
    _check_quantities(check, lines, "lines", allow_zero=True)
    check.raise_if_any()
    cart = await cart_for_change(uow, cart_id, abandon_after=abandon_after)
    found = await _own_lines(uow, cart, [line.target_id for line in lines], "lines", "lineId")
    for change in lines:
        if change.quantity == 0:
            await uow.session.delete(found[change.target_id])
        else:
            found[change.target_id].quantity = change.quantity
    await refresh(uow, cart, abandon_after=abandon_after)
    await uow.commit(cart)
    return cart


async def remove_lines(*, uow: UnitOfWork, cart_id: str, line_ids: Sequence[int],
                       abandon_after: timedelta) -> Cart:
    check = Checker()
    check.items(line_ids, "lineIds", label="line")
    if not line_ids:
        check.add(ErrorCode.REQUIRED, "Name at least one line to remove.", "lineIds")
    check.raise_if_any()
    cart = await cart_for_change(uow, cart_id, abandon_after=abandon_after)
    await _own_lines(uow, cart, line_ids, "lineIds", None)
    await uow.session.execute(delete(CartLine).where(CartLine.cart_id == cart.id, CartLine.id.in_(set(line_ids))))
    await refresh(uow, cart, abandon_after=abandon_after)
    await uow.commit(cart)
    return cart


async def apply_promo_code(*, uow: UnitOfWork, cart_id: str, code: str, abandon_after: timedelta) -> Cart:
    """Apply a promo code (replacing any other); an empty code removes the applied one."""
    check = Checker()
    code_ = check.text(code, "code", label="Code", max_length=CODE_MAX)
    check.raise_if_any()
    cart = await cart_for_change(uow, cart_id, abandon_after=abandon_after)
    if code_ is None:
        cart.promo_campaign_id = None
    else:
        campaign = await _promo_campaign(uow, code_)
        if campaign is None:
            raise DomainError.of(ErrorCode.PROMO_NOT_APPLICABLE,
                                 f"There is no promotion with code {code_.upper()}.", "input", "code")
        cart.promo_campaign_id = campaign.id
    view = await refresh(uow, cart, abandon_after=abandon_after)
    if view.quote.promo_problem:
        raise DomainError.of(ErrorCode.PROMO_NOT_APPLICABLE, view.quote.promo_problem, "input", "code")
    await uow.commit(cart)
    return cart


def check_address(check: Checker, address: dict[str, str | None]) -> dict[str, str | None]:
    at = check.at("shippingAddress")
    clean = {k: at.text(address.get(k), k, label=k, max_length=n, required=k in ADDRESS_REQUIRED)
             for k, n in ADDRESS_FIELDS.items()}
    country = clean.get("country")
    if country is not None and not (len(country) == 2 and country.isascii() and country.isalpha()):
        at.add(ErrorCode.INVALID, "Country must be a two-letter ISO 3166 code such as US.", "country")
    elif country:
        clean["country"] = country.upper()
    return clean


async def update_delivery(*, uow: UnitOfWork, cart_id: str, email: str | None,
                          address: dict[str, str | None] | None, delivery_method_id: int | None,
                          abandon_after: timedelta) -> Cart:
    check = Checker()
    email_ = check.email(email, "email")
    address_ = check_address(check, address) if address is not None else None
    check.raise_if_any()
    cart = await cart_for_change(uow, cart_id, abandon_after=abandon_after)
    if delivery_method_id is not None:
        if await uow.session.get(DeliveryMethod, delivery_method_id) is None:
            raise DomainError.of(ErrorCode.NOT_FOUND, "That delivery method does not exist.",
                                 "input", "deliveryMethodId")
        cart.delivery_method_id = delivery_method_id
    if email_ is not None:
        cart.email = email_
    if address_ is not None:
        cart.shipping_address = address_
    view = await refresh(uow, cart, abandon_after=abandon_after)
    if delivery_method_id is not None and delivery_method_id not in view.offered_delivery_method_ids:
        raise DomainError.of(ErrorCode.INVALID, "That delivery method is not offered on this cart's channel.",
                             "input", "deliveryMethodId")
    await uow.commit(cart)
    return cart
