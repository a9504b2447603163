"""The pricing engine, cart status and checkout problems, without a database (DESIGN.md section 3:
Pricing and campaigns; the Cart status machine; Input bounds; Checkout completion)."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.domain.campaigns import CampaignTerms, DiscountType
from app.domain.carts import effective_status
from app.domain.errors import ErrorCode
from app.domain.pricing import CampaignOffer, PricedLine, Quote, attribute_campaign, quote, why_not_applicable
from app.domain.states import CampaignStatus, CartStatus
from app.policy.checkout import CheckoutFacts, LineStock, checkout_problems

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
WEB, MOBILE = 1, 2
TEE, BOOTS = 10, 20  # product ids
ABANDON_AFTER = timedelta(days=1)


def offer(campaign_id: int = 1, *, products: Sequence[int] = (), **overrides: object) -> CampaignOffer:
    """An ACTIVE, automatic, unconditional 10% campaign unless told otherwise."""
    base: dict[str, object] = {
        "id": campaign_id, "code": None, "status": CampaignStatus.ACTIVE, "discount_type": DiscountType.PERCENTAGE,
        "discount_value": Decimal(10), "starts_at": None, "ends_at": None, "min_subtotal": None,
        "usage_limit": None, "times_used": 0, "channel_ids": frozenset(), "product_scoped": bool(products)}
    return CampaignOffer(CampaignTerms(**(base | overrides)), frozenset(products))


def percent(value: str, campaign_id: int = 1, **overrides: object) -> CampaignOffer:
    return offer(campaign_id, discount_value=Decimal(value), **overrides)


def fixed(value: str, campaign_id: int = 1, **overrides: object) -> CampaignOffer:
    return offer(campaign_id, discount_type=DiscountType.FIXED_AMOUNT, discount_value=Decimal(value), **overrides)


def free_shipping(campaign_id: int = 1, **overrides: object) -> CampaignOffer:
    return offer(campaign_id, discount_type=DiscountType.FREE_SHIPPING, discount_value=Decimal(0), **overrides)


def line(product_id: int, price: str, quantity: int = 1, line_id: int | None = None) -> PricedLine:
    return PricedLine(line_id if line_id is not None else product_id, product_id, Decimal(price), quantity)


# A cart of 2 tees at 20.00 and one pair of boots at 100.00: subtotal 140.00.
CART = (line(TEE, "20.00", 2), line(BOOTS, "100.00"))


def priced(lines: Sequence[PricedLine] = CART, *, applied: CampaignOffer | None = None,
           automatic: Sequence[CampaignOffer] = (), shipping: str | None = None, channel_id: int | None = WEB,
           now: datetime = NOW) -> Quote:
    return quote(lines=lines, shipping=Decimal(shipping) if shipping is not None else None, applied=applied,
                 automatic=automatic, channel_id=channel_id, now=now)


def money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def summary(q: Quote) -> tuple[str, str, str, str]:
    return money(q.subtotal), money(q.discount), money(q.shipping), money(q.total)


def applies(o: CampaignOffer, lines: Sequence[PricedLine] = CART, *, channel_id: int | None = WEB,
            now: datetime = NOW) -> bool:
    subtotal = sum((li.total for li in lines), Decimal(0))
    return why_not_applicable(o, lines, subtotal, channel_id, now) is None


# --- subtotal and totals -------------------------------------------------------------------------

def test_subtotal_is_the_sum_of_unit_price_times_quantity_and_total_adds_shipping() -> None:
    q = priced(shipping="5.00")
    assert summary(q) == ("140.00", "0.00", "5.00", "145.00")
    assert q.campaign_id is None and q.promo_problem is None
    assert q.line_totals == {TEE: Decimal("40.00"), BOOTS: Decimal("100.00")}


def test_no_delivery_method_yet_means_no_shipping() -> None:
    assert summary(priced()) == ("140.00", "0.00", "0.00", "140.00")


def test_an_empty_cart_costs_nothing() -> None:
    assert summary(priced([], automatic=[fixed("10")], shipping="5.00")) == ("0.00", "0.00", "5.00", "5.00")


# --- the three kinds of discount -----------------------------------------------------------------

@pytest.mark.parametrize(("campaign", "shipping", "expected"), [
    (percent("10"), "5.00", ("140.00", "14.00", "5.00", "131.00")),
    (fixed("25"), "5.00", ("140.00", "25.00", "5.00", "120.00")),
    (free_shipping(), "15.00", ("140.00", "15.00", "15.00", "140.00")),
    (free_shipping(), None, ("140.00", "0.00", "0.00", "140.00")),  # nothing to waive yet
], ids=["percentage", "fixed-amount", "free-shipping", "free-shipping-without-delivery"])
def test_discount_kinds(campaign: CampaignOffer, shipping: str | None, expected: tuple[str, ...]) -> None:
    assert summary(priced(applied=campaign, shipping=shipping)) == expected


# --- one campaign per cart -----------------------------------------------------------------------

def test_an_applied_code_wins_over_a_better_automatic_campaign() -> None:
    q = priced(applied=percent("5", 1, code="SMALL"), automatic=[percent("50", 2)])
    assert (q.campaign_id, money(q.discount)) == (1, "7.00")


def test_without_a_code_the_best_automatic_campaign_applies_and_they_never_stack() -> None:
    q = priced(automatic=[percent("10", 1), fixed("30", 2), percent("20", 3)])
    assert (q.campaign_id, money(q.discount)) == (2, "30.00")


def test_equally_good_automatic_campaigns_go_to_the_lowest_id() -> None:
    q = priced(automatic=[fixed("14", 7), percent("10", 3), fixed("14", 5)])
    assert (q.campaign_id, money(q.discount)) == (3, "14.00")


def test_a_campaign_with_a_code_never_applies_automatically() -> None:
    q = priced(automatic=[percent("50", 1, code="HALF"), percent("10", 2)])
    assert (q.campaign_id, money(q.discount)) == (2, "14.00")


def test_an_applied_code_that_does_not_apply_says_why_and_the_best_automatic_campaign_applies() -> None:
    q = priced(applied=percent("50", 1, code="HALF", status=CampaignStatus.PAUSED), automatic=[percent("10", 2)])
    assert q.promo_problem == "This promotion is not running now."
    assert (q.campaign_id, money(q.discount)) == (2, "14.00")


def test_an_automatic_campaign_that_does_not_apply_is_skipped() -> None:
    q = priced(automatic=[percent("50", 1, min_subtotal=Decimal(1000)), percent("10", 2)])
    assert q.campaign_id == 2


# --- conditions ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("campaign", "expected"), [
    (percent("10", products=[TEE]), "4.00"),
    (fixed("50", products=[TEE]), "40.00"),  # capped at the covered lines
    (fixed("50", products=[TEE, BOOTS]), "50.00"),
    (percent("100", products=[BOOTS]), "100.00"),
])
def test_a_product_scoped_campaign_discounts_only_the_lines_it_covers(campaign: CampaignOffer,
                                                                      expected: str) -> None:
    assert money(priced(applied=campaign, shipping="5.00").discount) == expected


def test_a_product_scoped_campaign_covering_nothing_in_the_cart_does_not_apply() -> None:
    scoped = percent("10", code="OTHER", products=[99])
    assert not applies(scoped)
    q = priced(applied=scoped)
    assert q.promo_problem == "This promotion does not cover any item in the cart."
    assert (q.campaign_id, money(q.discount)) == (None, "0.00")


@pytest.mark.parametrize(("channels", "cart_channel", "expected"), [
    (frozenset(), WEB, True),
    (frozenset(), None, True),
    (frozenset({WEB}), WEB, True),
    (frozenset({WEB, MOBILE}), MOBILE, True),
    (frozenset({WEB}), MOBILE, False),
    (frozenset({WEB}), None, False),
])
def test_channel_scope(channels: frozenset[int], cart_channel: int | None, expected: bool) -> None:
    assert applies(offer(channel_ids=channels), channel_id=cart_channel) is expected


@pytest.mark.parametrize(("minimum", "expected"), [
    ("140.00", True),  # exactly the minimum
    ("140.01", False),  # one cent short
    ("139.99", True),
])
def test_minimum_subtotal_applies_from_its_exact_amount(minimum: str, expected: bool) -> None:
    assert applies(offer(min_subtotal=Decimal(minimum))) is expected


def test_minimum_subtotal_counts_the_whole_cart_before_shipping() -> None:
    q = priced(applied=percent("10", code="MIN", min_subtotal=Decimal("140.01")), shipping="15.00")
    assert q.promo_problem == "This promotion needs a subtotal of at least 140.01."
    assert q.campaign_id is None


@pytest.mark.parametrize(("window", "expected"), [
    ({"starts_at": NOW}, True),  # startsAt is inclusive
    ({"starts_at": NOW + timedelta(microseconds=1)}, False),
    ({"ends_at": NOW}, False),  # endsAt is exclusive
    ({"ends_at": NOW + timedelta(microseconds=1)}, True),
    ({"starts_at": NOW - timedelta(days=1), "ends_at": NOW + timedelta(days=1)}, True),
    ({"status": CampaignStatus.SCHEDULED, "starts_at": NOW}, True),
    ({"status": CampaignStatus.DRAFT}, False),
    ({"status": CampaignStatus.PAUSED}, False),
    ({"status": CampaignStatus.ENDED}, False),
])
def test_campaign_applies_only_while_running_inside_its_window(window: dict, expected: bool) -> None:
    assert applies(offer(**window)) is expected


@pytest.mark.parametrize(("times_used", "expected"), [(0, True), (2, True), (3, False), (4, False)])
def test_a_campaign_stops_applying_once_its_usage_limit_is_reached(times_used: int, expected: bool) -> None:
    assert applies(offer(usage_limit=3, times_used=times_used)) is expected


@pytest.mark.parametrize(("campaign", "reason"), [
    (offer(status=CampaignStatus.DRAFT), "This promotion is not running now."),
    (offer(channel_ids=frozenset({MOBILE})), "This promotion is not offered on this channel."),
    (offer(usage_limit=1, times_used=1), "This promotion has been fully used."),
    (offer(min_subtotal=Decimal(500)), "This promotion needs a subtotal of at least 500."),
    (offer(products=[99]), "This promotion does not cover any item in the cart."),
])
def test_why_not_applicable_says_why_in_a_sentence(campaign: CampaignOffer, reason: str) -> None:
    assert why_not_applicable(campaign, CART, Decimal("140.00"), WEB, NOW) == reason


# --- caps, totals and rounding -------------------------------------------------------------------

@pytest.mark.parametrize(("campaign", "shipping", "expected"), [
    (fixed("500"), "5.00", ("140.00", "140.00", "5.00", "5.00")),  # never more than the items
    (fixed("500"), None, ("140.00", "140.00", "0.00", "0.00")),
    (percent("100"), "5.00", ("140.00", "140.00", "5.00", "5.00")),
    (free_shipping(), "5.00", ("140.00", "5.00", "5.00", "140.00")),
])
def test_a_discount_never_exceeds_what_it_applies_to_and_totals_are_never_negative(
        campaign: CampaignOffer, shipping: str | None, expected: tuple[str, ...]) -> None:
    q = priced(applied=campaign, shipping=shipping)
    assert summary(q) == expected
    assert q.total >= 0


@pytest.mark.parametrize(("price", "pct", "expected"), [
    ("0.05", "10", "0.01"),  # 0.005 rounds half-up
    ("33.33", "15", "5.00"),  # 4.9995
    ("0.04", "10", "0.00"),  # 0.004
    ("19.99", "10", "2.00"),  # 1.999
    ("10.10", "12.5", "1.26"),  # 1.2625
])
def test_percentages_round_half_up_to_the_cent(price: str, pct: str, expected: str) -> None:
    q = priced([line(TEE, price)], applied=percent(pct))
    assert money(q.discount) == expected
    assert q.discount == q.discount.quantize(Decimal("0.01"))
    assert q.total == Decimal(price) - Decimal(expected)


def test_line_totals_are_rounded_to_the_cent() -> None:
    q = priced([line(TEE, "0.333", 3)])
    assert q.line_totals == {TEE: Decimal("1.00")} and q.subtotal == Decimal("1.00")


# --- attribution ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("applied", "utm", "discounting", "expected"), [
    (1, 2, 3, 1),  # the applied code's campaign first
    (None, 2, 3, 2),  # then the campaign whose code is utm.campaign
    (None, None, 3, 3),  # then the automatic campaign that discounted the cart
    (None, None, None, None),
    (1, None, None, 1),
    (1, None, 3, 1),
])
def test_attribution_order(applied: int | None, utm: int | None, discounting: int | None,
                           expected: int | None) -> None:
    assert attribute_campaign(applied_id=applied, utm_campaign_id=utm, discounting_id=discounting) == expected


# --- cart status ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("stored", "idle", "lines", "expected"), [
    ("ACTIVE", timedelta(0), 1, CartStatus.ACTIVE),
    ("ACTIVE", ABANDON_AFTER - timedelta(seconds=1), 1, CartStatus.ACTIVE),
    ("ACTIVE", ABANDON_AFTER, 1, CartStatus.ABANDONED),  # idle for exactly the window
    ("ACTIVE", timedelta(days=29), 3, CartStatus.ABANDONED),
    ("ACTIVE", timedelta(days=29), 0, CartStatus.ACTIVE),  # an empty cart is never abandoned
    ("ACTIVE", timedelta(days=30) - timedelta(seconds=1), 1, CartStatus.ABANDONED),
    ("ACTIVE", timedelta(days=30), 1, CartStatus.EXPIRED),
    ("ACTIVE", timedelta(days=30), 0, CartStatus.EXPIRED),
    ("ACTIVE", timedelta(days=400), 0, CartStatus.EXPIRED),
    ("CONVERTED", timedelta(0), 1, CartStatus.CONVERTED),
    ("CONVERTED", timedelta(days=400), 1, CartStatus.CONVERTED),  # an order's cart stays converted
    ("EXPIRED", timedelta(0), 1, CartStatus.EXPIRED),
])
def test_effective_cart_status(stored: str, idle: timedelta, lines: int, expected: CartStatus) -> None:
    status = effective_status(stored, updated_at=NOW - idle, line_count=lines, now=NOW, abandon_after=ABANDON_AFTER)
    assert status == expected


def test_abandon_window_is_configurable() -> None:
    status = effective_status("ACTIVE", updated_at=NOW - timedelta(minutes=5), line_count=1, now=NOW,
                              abandon_after=timedelta(minutes=5))
    assert status == CartStatus.ABANDONED


# --- checkout problems ---------------------------------------------------------------------------

def facts(**overrides: object) -> CheckoutFacts:
    """A cart ready for checkout unless told otherwise."""
    base: dict[str, object] = {
        "status": CartStatus.ACTIVE, "lines": [LineStock("Tee / M", 2, 10)], "email": "ann@example.com",
        "has_address": True, "delivery_method_id": 1, "delivery_method_offered": True, "promo_problem": None}
    return CheckoutFacts(**(base | overrides))


def problems_of(f: CheckoutFacts) -> list[tuple[str, str, tuple[str, ...] | None]]:
    return [(p.code, p.message, p.field) for p in checkout_problems(f)]


@pytest.mark.parametrize("status", [CartStatus.ACTIVE, CartStatus.ABANDONED])
def test_a_complete_cart_has_no_problems(status: CartStatus) -> None:
    assert checkout_problems(facts(status=status)) == []


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"status": CartStatus.CONVERTED},
     (ErrorCode.CART_NOT_ACTIVE, "This cart is converted.", ("cartId",))),
    ({"status": CartStatus.EXPIRED},
     (ErrorCode.CART_NOT_ACTIVE, "This cart is expired.", ("cartId",))),
    ({"lines": []}, (ErrorCode.REQUIRED, "The cart is empty.", ("lines",))),
    ({"email": None}, (ErrorCode.REQUIRED, "An e-mail address is required.", ("email",))),
    ({"email": ""}, (ErrorCode.REQUIRED, "An e-mail address is required.", ("email",))),
    ({"has_address": False}, (ErrorCode.REQUIRED, "A shipping address is required.", ("shippingAddress",))),
    ({"delivery_method_id": None}, (ErrorCode.REQUIRED, "Choose a delivery method.", ("deliveryMethodId",))),
    ({"delivery_method_offered": False},
     (ErrorCode.INVALID, "That delivery method is not offered on this channel.", ("deliveryMethodId",))),
    ({"promo_problem": "This promotion has been fully used."},
     (ErrorCode.PROMO_NOT_APPLICABLE, "This promotion has been fully used.", ("promoCode",))),
])
def test_each_missing_piece_is_one_problem_with_its_field(overrides: dict, expected: tuple) -> None:
    assert problems_of(facts(**overrides)) == [expected]


def test_lines_beyond_stock_are_out_of_stock_at_their_index() -> None:
    lines = [LineStock("Tee / M", 10, 10), LineStock("Boots / 42", 4, 3), LineStock("Socks / S", 1, 0)]
    assert problems_of(facts(lines=lines)) == [
        (ErrorCode.OUT_OF_STOCK, "Only 3 left of Boots / 42.", ("lines", "1")),
        (ErrorCode.OUT_OF_STOCK, "None left of Socks / S.", ("lines", "2")),
    ]


def test_every_problem_is_listed_at_once() -> None:
    f = facts(status=CartStatus.EXPIRED, lines=[], email=None, has_address=False, delivery_method_id=None,
              promo_problem="This promotion is not running now.")
    assert [(code, field) for code, _, field in problems_of(f)] == [
        (ErrorCode.CART_NOT_ACTIVE, ("cartId",)),
        (ErrorCode.REQUIRED, ("lines",)),
        (ErrorCode.REQUIRED, ("email",)),
        (ErrorCode.REQUIRED, ("shippingAddress",)),
        (ErrorCode.REQUIRED, ("deliveryMethodId",)),
        (ErrorCode.PROMO_NOT_APPLICABLE, ("promoCode",)),
    ]
