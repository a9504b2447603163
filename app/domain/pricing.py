"""The pricing engine: what a cart costs now. Pure (no I/O), so every rule is unit-tested.

One campaign per cart: the one whose code was applied, else the best automatic one. No stacking.
A discount never exceeds what it applies to (the covered lines, or the shipping price), totals are
never negative, and money is rounded half-up to the cent.
"""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from app.domain.campaigns import CampaignTerms, DiscountType, is_running, offered_on_channel
from app.domain.money import ZERO, percent_of, round_money


@dataclass(frozen=True, slots=True)
class PricedLine:
    line_id: int
    product_id: int
    unit_price: Decimal
    quantity: int

    @property
    def total(self) -> Decimal:
        return round_money(self.unit_price * self.quantity)


@dataclass(frozen=True, slots=True)
class CampaignOffer:
    """A campaign as pricing sees it, with the products it is scoped to (empty: all)."""

    terms: CampaignTerms
    product_ids: Collection[int] = ()


@dataclass(frozen=True, slots=True)
class Quote:
    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    total: Decimal
    campaign_id: int | None
    # Why the applied code gives nothing now (None when it applies or none was applied).
    promo_problem: str | None = None
    line_totals: Mapping[int, Decimal] = field(default_factory=dict)
    # Where the discount went: each line's share (lines the campaign covers, in proportion to
    # their totals) and the part that went to shipping (free-shipping campaigns). Checkout
    # snapshots both: refunds give back what was paid, not list prices.
    line_discounts: Mapping[int, Decimal] = field(default_factory=dict)
    shipping_discount: Decimal = ZERO


def why_not_applicable(offer: CampaignOffer, lines: Sequence[PricedLine], subtotal: Decimal,
                       channel_id: int | None, now: datetime) -> str | None:
    """None when the campaign applies to this cart now, else a sentence saying why not."""
    terms = offer.terms
    if not is_running(terms, now):
        return "This promotion is not running now."
    if not offered_on_channel(terms, channel_id):
        return "This promotion is not offered on this channel."
    if terms.usage_limit is not None and terms.times_used >= terms.usage_limit:
        return "This promotion has been fully used."
    if terms.min_subtotal is not None and subtotal < terms.min_subtotal:
        return f"This promotion needs a subtotal of at least {terms.min_subtotal}."
    if offer.product_ids and not any(line.product_id in offer.product_ids for line in lines):
        return "This promotion does not cover any item in the cart."
    return None


def discount_of(offer: CampaignOffer, lines: Sequence[PricedLine], shipping: Decimal) -> Decimal:
    terms = offer.terms
    if terms.discount_type == DiscountType.FREE_SHIPPING:
        return shipping
    base = sum((line.total for line in lines if not offer.product_ids or line.product_id in offer.product_ids),
               ZERO)
    if terms.discount_type == DiscountType.PERCENTAGE:
        return min(base, percent_of(base, terms.discount_value))
    return min(base, round_money(terms.discount_value))


def allocate(amount: Decimal, weights: Sequence[tuple[int, Decimal]]) -> dict[int, Decimal]:
    """Spread `amount` over the keys in proportion to their weights, each share rounded half-up
    and the rounding remainder on the last key; no share is negative or above its weight (the
    amount is at most the sum of the weights), and the shares add up to the amount exactly."""
    total_weight = sum((w for _, w in weights), ZERO)
    if not weights or total_weight <= ZERO or amount <= ZERO:
        return {key: ZERO for key, _ in weights}
    amount = min(amount, total_weight)
    shares = {key: min(weight, round_money(amount * weight / total_weight)) for key, weight in weights[:-1]}
    last_key, last_weight = weights[-1]
    shares[last_key] = amount - sum(shares.values(), ZERO)
    # Rounding can push the last share out of [0, its weight]: move the excess back over the
    # earlier keys, latest first, within their own bounds.
    excess = shares[last_key] - min(max(shares[last_key], ZERO), last_weight)
    shares[last_key] -= excess
    bounds = dict(weights)
    for key, _ in reversed(weights[:-1]):
        if excess == ZERO:
            break
        room = bounds[key] - shares[key] if excess > ZERO else -shares[key]
        step = min(excess, room) if excess > ZERO else max(excess, room)
        shares[key] += step
        excess -= step
    return shares


def _where_discount_goes(offer: CampaignOffer | None, lines: Sequence[PricedLine], discount: Decimal
                         ) -> tuple[dict[int, Decimal], Decimal]:
    if offer is None or discount <= ZERO:
        return {}, ZERO
    if offer.terms.discount_type == DiscountType.FREE_SHIPPING:
        return {}, discount
    covered = [(line.line_id, line.total) for line in lines
               if not offer.product_ids or line.product_id in offer.product_ids]
    return allocate(discount, covered), ZERO


def quote(*, lines: Sequence[PricedLine], shipping: Decimal | None, applied: CampaignOffer | None,
          automatic: Sequence[CampaignOffer], channel_id: int | None, now: datetime) -> Quote:
    subtotal = sum((line.total for line in lines), ZERO)
    shipping_ = shipping if shipping is not None else ZERO
    chosen: CampaignOffer | None = None
    promo_problem = None
    if applied is not None:
        promo_problem = why_not_applicable(applied, lines, subtotal, channel_id, now)
        if promo_problem is None:
            chosen = applied
    discount = ZERO
    if chosen is None:
        # The best automatic campaign; ties go to the oldest (lowest id) for stable prices.
        for offer in sorted(automatic, key=lambda o: o.terms.id):
            if offer.terms.code is not None or why_not_applicable(offer, lines, subtotal, channel_id, now):
                continue
            amount = discount_of(offer, lines, shipping_)
            if amount > discount:
                chosen, discount = offer, amount
    else:
        discount = discount_of(chosen, lines, shipping_)
    total = max(ZERO, subtotal + shipping_ - discount)
    line_discounts, shipping_discount = _where_discount_goes(chosen, lines, discount)
    return Quote(subtotal=subtotal, discount=discount, shipping=shipping_, total=total,
                 campaign_id=chosen.terms.id if chosen else None, promo_problem=promo_problem,
                 line_totals={line.line_id: line.total for line in lines},
                 line_discounts=line_discounts, shipping_discount=shipping_discount)


def attribute_campaign(*, applied_id: int | None, utm_campaign_id: int | None,
                       discounting_id: int | None) -> int | None:
    """KPI attribution: the applied code's campaign, else the campaign whose code is utm.campaign,
    else the automatic campaign that discounted the cart, else none."""
    return applied_id or utm_campaign_id or discounting_id
