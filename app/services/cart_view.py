"""Everything known about a cart now: lines with stock, the price quote, attribution and the
problems that would stop checkout. Read with a loader's connection or the checkout's session, in
a fixed handful of statements for any number of carts."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select

from app.domain.carts import effective_status
from app.domain.errors import Problem
from app.domain.pricing import CampaignOffer, PricedLine, Quote, attribute_campaign, quote
from app.domain.states import CartStatus
from app.policy.checkout import CheckoutFacts, LineStock, checkout_problems, sellable
from app.services.campaign_offers import load_offers
from models import (
    Campaign,
    Cart,
    CartLine,
    DeliveryMethod,
    Product,
    ProductChannelListing,
    ProductVariant,
    Stock,
    delivery_method_channels,
)

CART_COLUMNS = tuple(Cart.__table__.c)


@dataclass(frozen=True, slots=True)
class LineView:
    id: int
    variant_id: int
    product_id: int
    product_name: str
    variant_name: str
    sku: str
    quantity: int
    unit_price: Decimal
    total: Decimal
    available: int
    sellable: bool = True

    @property
    def label(self) -> str:
        return f"{self.product_name} / {self.variant_name}"


@dataclass(frozen=True, slots=True)
class CartView:
    cart: Any
    status: CartStatus
    lines: list[LineView]
    quote: Quote
    attributed_campaign_id: int | None
    offered_delivery_method_ids: list[int]
    problems: list[Problem]


async def offered_delivery_methods(conn: Any, channel_ids: Sequence[int]) -> dict[int, list[int]]:
    """Delivery method ids offered per channel: those scoped to it, and those with no scope."""
    rows = (await conn.execute(
        select(DeliveryMethod.id, delivery_method_channels.c.channel_id)
        .outerjoin(delivery_method_channels, delivery_method_channels.c.delivery_method_id == DeliveryMethod.id)
        .order_by(DeliveryMethod.price, DeliveryMethod.id))).all()
    offered: dict[int, list[int]] = {cid: [] for cid in channel_ids}
    for method_id, channel_id in rows:
        for cid in channel_ids:
            if (channel_id is None or channel_id == cid) and method_id not in offered[cid]:
                offered[cid].append(method_id)
    return offered


async def view_carts(conn: Any, carts: Sequence[Any], *, now: datetime,
                     abandon_after: timedelta) -> dict[str, CartView]:
    if not carts:
        return {}
    ids = [c.id for c in carts]
    available = (select(ProductVariant.id.label("variant_id"),
                        func.coalesce(func.sum(Stock.on_hand - Stock.allocated), 0).label("available"))
                 .outerjoin(Stock, Stock.variant_id == ProductVariant.id)
                 .group_by(ProductVariant.id).subquery())
    line_rows = (await conn.execute(
        select(CartLine.id, CartLine.cart_id, CartLine.variant_id, CartLine.quantity, ProductVariant.product_id,
               ProductVariant.name.label("variant_name"), ProductVariant.sku, ProductVariant.price,
               Product.name.label("product_name"), available.c.available, Product.status, ProductVariant.is_archived,
               ProductChannelListing.is_published, ProductChannelListing.available_for_purchase_at)
        .join(Cart, Cart.id == CartLine.cart_id)
        .join(ProductVariant, ProductVariant.id == CartLine.variant_id)
        .join(Product, Product.id == ProductVariant.product_id)
        .join(available, available.c.variant_id == CartLine.variant_id)
        .outerjoin(ProductChannelListing, and_(ProductChannelListing.product_id == Product.id,
                                               ProductChannelListing.channel_id == Cart.channel_id))
        .where(CartLine.cart_id.in_(ids)).order_by(CartLine.id))).all()
    lines: dict[str, list[LineView]] = defaultdict(list)
    for r in line_rows:
        lines[r.cart_id].append(LineView(
            id=r.id, variant_id=r.variant_id, product_id=r.product_id, product_name=r.product_name,
            variant_name=r.variant_name, sku=r.sku, quantity=r.quantity, unit_price=r.price,
            total=(r.price * r.quantity).quantize(Decimal("0.01")), available=max(0, int(r.available)),
            sellable=sellable(status=r.status, is_published=r.is_published,
                              available_from=r.available_for_purchase_at, now=now,
                              variant_archived=r.is_archived)))
    method_ids = {c.delivery_method_id for c in carts if c.delivery_method_id is not None}
    prices = dict((await conn.execute(select(DeliveryMethod.id, DeliveryMethod.price)
                                      .where(DeliveryMethod.id.in_(method_ids)))).all()) if method_ids else {}
    offered = await offered_delivery_methods(conn, sorted({c.channel_id for c in carts}))
    running = await load_offers(conn, now)
    promo_ids = sorted({c.promo_campaign_id for c in carts if c.promo_campaign_id is not None})
    promos = {o.terms.id: o for o in await load_offers(conn, now, campaign_ids=promo_ids, running_only=False)} \
        if promo_ids else {}
    utm_codes = {c.utm_campaign.upper() for c in carts if c.utm_campaign}
    utm_ids = dict((await conn.execute(select(Campaign.code, Campaign.id).where(Campaign.code.in_(utm_codes)))).all()) \
        if utm_codes else {}
    return {c.id: _view(c, lines[c.id], prices, offered[c.channel_id], running, promos, utm_ids, now, abandon_after)
            for c in carts}


def _view(cart: Any, lines: list[LineView], prices: dict[int, Decimal], offered: list[int],
          running: list[CampaignOffer], promos: dict[int, CampaignOffer], utm_ids: dict[str, int],
          now: datetime, abandon_after: timedelta) -> CartView:
    applied = promos.get(cart.promo_campaign_id) if cart.promo_campaign_id else None
    shipping = prices.get(cart.delivery_method_id) if cart.delivery_method_id else None
    q = quote(lines=[PricedLine(li.id, li.product_id, li.unit_price, li.quantity) for li in lines],
              shipping=shipping, applied=applied, automatic=running, channel_id=cart.channel_id, now=now)
    status = effective_status(cart.status, updated_at=cart.updated_at, line_count=len(lines), now=now,
                              abandon_after=abandon_after)
    facts = CheckoutFacts(
        status=status, lines=[LineStock(li.label, li.quantity, li.available, li.sellable) for li in lines], email=cart.email,
        has_address=bool(cart.shipping_address), delivery_method_id=cart.delivery_method_id,
        delivery_method_offered=cart.delivery_method_id in offered, promo_problem=q.promo_problem)
    attributed = attribute_campaign(
        applied_id=cart.promo_campaign_id if q.promo_problem is None else None,
        utm_campaign_id=utm_ids.get((cart.utm_campaign or "").upper()), discounting_id=q.campaign_id)
    return CartView(cart=cart, status=status, lines=lines, quote=q, attributed_campaign_id=attributed,
                    offered_delivery_method_ids=offered, problems=checkout_problems(facts))


async def view_cart(conn: Any, cart_id: str, *, now: datetime, abandon_after: timedelta) -> CartView | None:
    cart = (await conn.execute(select(*CART_COLUMNS).where(Cart.id == cart_id))).first()
    if cart is None:
        return None
    return (await view_carts(conn, [cart], now=now, abandon_after=abandon_after))[cart.id]
