"""Carts over GraphQL on SQLite and PostgreSQL: lines and their bounds, promo codes and automatic
campaigns, delivery details, the problems that would stop checkout, who may use a cart, the cart
status machine and idempotent retries (DESIGN.md section 3: the Cart status machine, Pricing and
campaigns, Input bounds, Roles, Idempotency)."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import RowMapping, func, select, update

from app.db import Database
from app.domain.campaigns import DiscountType
from app.domain.states import CampaignStatus
from app.ids import decode_id, encode_id
from app.policy.permissions import Role
from app.services import campaigns
from models import AuditEvent, Cart
from tests.support import factory
from tests.support.client import GraphQLClient
from tests.support.shop import (
    ADDRESS,
    CART_CREATE,
    CART_DELIVERY,
    CART_LINES_ADD,
    CART_LINES_REMOVE,
    CART_LINES_UPDATE,
    CART_PROMO,
    CART_QUERY,
    Shop,
    build_shop,
)

NODE_CART = "query($id: ID!) { node(id: $id) { id ... on Cart { status email } } }"
MUTATIONS = {"cartCreate": CART_CREATE, "cartLinesAdd": CART_LINES_ADD, "cartLinesUpdate": CART_LINES_UPDATE,
             "cartLinesRemove": CART_LINES_REMOVE, "cartPromoCodeApply": CART_PROMO,
             "cartDeliveryUpdate": CART_DELIVERY}
CHANGES = ["cartLinesAdd", "cartLinesUpdate", "cartLinesRemove", "cartPromoCodeApply", "cartDeliveryUpdate"]
UNKNOWN = 999_999
ABANDONED_IDLE = timedelta(seconds=86400)  # exactly the default abandon window
EXPIRED_IDLE = timedelta(days=31)


@pytest.fixture
async def shop(client: GraphQLClient) -> Shop:
    return await build_shop(client)


# --- helpers -------------------------------------------------------------------------------------

async def run(shop: Shop, mutation: str, input: dict[str, Any], *, token: str | None = None) -> dict[str, Any]:
    """The payload of one cart mutation."""
    return (await shop.client.data(MUTATIONS[mutation], {"input": input}, token=token))[mutation]  # type: ignore[no-any-return]


async def new_cart(shop: Shop, lines: dict[str, int] | None = None, *, token: str | None = None,
                   **extra: Any) -> dict[str, Any]:
    created = await shop.create_cart({"TEE-0": 2} if lines is None else lines, token=token, **extra)
    assert created["userErrors"] == [], created["userErrors"]
    return created["cart"]  # type: ignore[no-any-return]


async def read_cart(shop: Shop, cart_id: str, *, token: str | None = None) -> dict[str, Any] | None:
    return (await shop.client.data(CART_QUERY, {"id": cart_id}, token=token))["cart"]  # type: ignore[no-any-return]


def errors(payload: dict[str, Any]) -> list[tuple[str, list[str] | None]]:
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


def amounts(cart: dict[str, Any]) -> tuple[str, str, str, str]:
    return tuple(cart[k]["amount"] for k in ("subtotal", "discount", "shipping", "total"))  # type: ignore[return-value]


def quantities(cart: dict[str, Any]) -> dict[str, int]:
    return {li["variant"]["sku"]: li["quantity"] for li in cart["lines"]}


def problem_codes(cart: dict[str, Any]) -> list[tuple[str, list[str] | None]]:
    return [(p["code"], p["field"]) for p in cart["problems"]]


def key_of(cart_id: str) -> str:
    decoded = decode_id(cart_id)
    assert decoded is not None and decoded[0] == "Cart", cart_id
    return decoded[1]


async def cart_row(db: Database, cart_id: str) -> RowMapping:
    async with db.read() as conn:
        return (await conn.execute(select(Cart.__table__).where(Cart.id == key_of(cart_id)))).mappings().one()


async def cart_count(db: Database) -> int:
    async with db.read() as conn:
        return int(await conn.scalar(select(func.count()).select_from(Cart)) or 0)


async def leave_idle(db: Database, cart_id: str, idle: timedelta) -> None:
    """As if nobody had touched the cart for `idle`."""
    async with db.write_engine.begin() as conn:
        await conn.execute(update(Cart).where(Cart.id == key_of(cart_id))
                           .values(updated_at=datetime.now(UTC) - idle))


async def customer(shop: Shop, email: str) -> tuple[str, int]:
    """A signed-in customer: (token, customer id)."""
    viewer = await factory.make_user(shop.client.db, email, Role.CUSTOMER)
    assert viewer.customer_id is not None
    return shop.client.token_for(viewer), viewer.customer_id


async def running_campaign(db: Database, name: str, *, kind: DiscountType = DiscountType.PERCENTAGE,
                           value: str = "10", code: str | None = None, min_subtotal: str | None = None,
                           usage_limit: int | None = None, channels: list[str] | None = None) -> int:
    """An ACTIVE campaign with the conditions factory.make_campaign does not offer."""
    async with factory.uow(db) as work:
        campaign_id = (await campaigns.create_campaign(
            uow=work, name=name, code=code, discount_type=kind, discount_value=Decimal(value), starts_at=None,
            ends_at=None, min_subtotal=Decimal(min_subtotal) if min_subtotal else None, usage_limit=usage_limit,
            channels=channels, product_ids=None)).id
    await set_campaign_status(db, campaign_id, CampaignStatus.ACTIVE)
    return campaign_id


async def set_campaign_status(db: Database, campaign_id: int, status: CampaignStatus) -> None:
    async with factory.uow(db) as work:
        await campaigns.update_campaign_status(uow=work, campaign_id=campaign_id, status=status)


def change_input(mutation: str, shop: Shop, cart: dict[str, Any]) -> dict[str, Any]:
    """A valid input for each mutation that changes an existing cart (which has at least one line)."""
    line_id = cart["lines"][0]["id"]
    return {"cartId": cart["id"], **{
        "cartLinesAdd": {"lines": [{"variantId": shop.variant_gid("BOOTS-0"), "quantity": 1}]},
        "cartLinesUpdate": {"lines": [{"lineId": line_id, "quantity": 3}]},
        "cartLinesRemove": {"lineIds": [line_id]},
        "cartPromoCodeApply": {"code": ""},
        "cartDeliveryUpdate": {"email": "bob@example.com"},
    }[mutation]}


# --- cartCreate ----------------------------------------------------------------------------------

async def test_guest_creates_a_cart_priced_now(shop: Shop) -> None:
    cart = await new_cart(shop, {"TEE-0": 2, "BOOTS-0": 1})
    assert cart["status"] == "ACTIVE" and cart["channel"] == {"slug": "web"}
    assert cart["email"] is None and cart["promoCodeApplied"] is False and cart["campaign"] is None
    assert quantities(cart) == {"TEE-0": 2, "BOOTS-0": 1}
    assert [li["total"]["amount"] for li in cart["lines"]] == ["40.00", "100.00"]
    assert amounts(cart) == ("140.00", "0.00", "0.00", "140.00")
    assert [m["name"] for m in cart["availableDeliveryMethods"]] == ["Standard", "Express"]
    assert (await cart_row(shop.client.db, cart["id"]))["customer_id"] is None


async def test_signed_in_customer_owns_the_cart_and_email_defaults_to_theirs(shop: Shop) -> None:
    token, customer_id = await customer(shop, "ann@example.com")
    cart = await new_cart(shop, token=token)
    assert cart["email"] == "ann@example.com"
    assert (await cart_row(shop.client.db, cart["id"]))["customer_id"] == customer_id
    other = await new_cart(shop, token=token, email="Gift@Example.com")
    assert other["email"] == "gift@example.com"


async def test_a_cart_may_start_empty(shop: Shop) -> None:
    cart = await new_cart(shop, {})
    assert cart["lines"] == [] and amounts(cart) == ("0.00", "0.00", "0.00", "0.00")


def line_inputs(shop: Shop, lines: list[tuple[str, int]]) -> list[dict[str, Any]]:
    """Cart line inputs by sku; "UNKNOWN" names a variant that does not exist."""
    return [{"variantId": encode_id("ProductVariant", UNKNOWN) if sku == "UNKNOWN" else shop.variant_gid(sku),
             "quantity": quantity} for sku, quantity in lines]


@pytest.mark.parametrize(("lines", "extra", "expected"), [
    ([], {"channel": "nowhere"}, [("NOT_FOUND", ["input", "channel"])]),
    ([("TEE-0", 1), ("UNKNOWN", 1)], {}, [("NOT_FOUND", ["input", "lines", "1", "variantId"])]),
    ([("TEE-0", 0)], {}, [("INVALID", ["input", "lines", "0", "quantity"])]),
    ([("TEE-0", 1000)], {}, [("INVALID", ["input", "lines", "0", "quantity"])]),
    ([("TEE-0", -1)], {}, [("INVALID", ["input", "lines", "0", "quantity"])]),
    # the same variant twice merges into one line of 1000 units
    ([("TEE-0", 500), ("TEE-0", 500)], {}, [("INVALID", ["input", "lines", "1", "quantity"])]),
    ([], {"email": "not-an-email"}, [("INVALID", ["input", "email"])]),
    ([], {"promoCode": "NOPE"}, [("PROMO_NOT_APPLICABLE", ["input", "promoCode"])]),
], ids=["unknown-channel", "unknown-variant", "zero-units", "1000-units", "negative-units", "merged-1000-units",
        "bad-email", "unknown-promo-code"])
async def test_cart_create_refusals_store_nothing(shop: Shop, lines: list[tuple[str, int]], extra: dict[str, Any],
                                                  expected: list[tuple[str, list[str]]]) -> None:
    payload = await run(shop, "cartCreate", {"channel": "web", "lines": line_inputs(shop, lines), **extra})
    assert errors(payload) == expected and payload["cart"] is None
    assert await cart_count(shop.client.db) == 0


async def test_a_line_holds_up_to_999_units(shop: Shop) -> None:
    cart = await new_cart(shop, {"TEE-0": 999})
    assert quantities(cart) == {"TEE-0": 999} and cart["subtotal"]["amount"] == "19980.00"


async def test_a_promo_code_may_be_applied_when_the_cart_is_created(shop: Shop) -> None:
    await factory.make_campaign(shop.client.db, "Spring", percent="25", code="SPRING")
    cart = await new_cart(shop, promoCode=" spring ")
    assert cart["promoCodeApplied"] is True and cart["campaign"] == {"name": "Spring", "code": "SPRING"}
    assert amounts(cart) == ("40.00", "10.00", "0.00", "30.00")


async def test_utm_parameters_are_kept_for_attribution(shop: Shop) -> None:
    spring = await factory.make_campaign(shop.client.db, "Spring", code="SPRING")
    utm = {"source": "newsletter", "medium": "email", "campaign": "spring"}
    cart = await new_cart(shop, utm=utm)
    assert cart["promoCodeApplied"] is False and cart["discount"]["amount"] == "0.00"  # utm is not a code
    row = await cart_row(shop.client.db, cart["id"])
    assert (row["utm_source"], row["utm_medium"], row["utm_campaign"]) == ("newsletter", "email", "spring")
    assert row["attributed_campaign_id"] == spring


async def test_over_long_utm_is_invalid(shop: Shop) -> None:
    payload = await run(shop, "cartCreate", {"channel": "web", "utm": {"source": "x" * 201}})
    assert errors(payload) == [("INVALID", ["input", "utm", "source"])]


# --- cartLinesAdd, cartLinesUpdate, cartLinesRemove ----------------------------------------------

async def test_adding_a_variant_already_in_the_cart_merges_into_its_line(shop: Shop) -> None:
    cart = await new_cart(shop, {"TEE-0": 2})
    payload = await run(shop, "cartLinesAdd", {"cartId": cart["id"], "lines": [
        {"variantId": shop.variant_gid("TEE-0"), "quantity": 3},
        {"variantId": shop.variant_gid("BOOTS-0"), "quantity": 1}]})
    assert errors(payload) == []
    assert quantities(payload["cart"]) == {"TEE-0": 5, "BOOTS-0": 1}
    assert payload["cart"]["lines"][0]["id"] == cart["lines"][0]["id"]
    assert amounts(payload["cart"]) == ("200.00", "0.00", "0.00", "200.00")


@pytest.mark.parametrize(("added", "expected"), [
    (1, None),
    (2, [("INVALID", ["input", "lines", "0", "quantity"])]),
    (0, [("INVALID", ["input", "lines", "0", "quantity"])]),
])
async def test_merging_stops_at_999_units(shop: Shop, added: int, expected: list | None) -> None:
    cart = await new_cart(shop, {"TEE-0": 998})
    payload = await run(shop, "cartLinesAdd", {"cartId": cart["id"], "lines": [
        {"variantId": shop.variant_gid("TEE-0"), "quantity": added}]})
    assert errors(payload) == (expected or [])
    assert quantities(await read_cart(shop, cart["id"])) == {"TEE-0": 998 + added if expected is None else 998}


async def test_adding_an_unknown_variant_is_not_found(shop: Shop) -> None:
    cart = await new_cart(shop)
    payload = await run(shop, "cartLinesAdd", {"cartId": cart["id"], "lines": [
        {"variantId": encode_id("ProductVariant", UNKNOWN), "quantity": 1}]})
    assert errors(payload) == [("NOT_FOUND", ["input", "lines", "0", "variantId"])]


async def test_adding_nothing_is_required(shop: Shop) -> None:
    cart = await new_cart(shop)
    payload = await run(shop, "cartLinesAdd", {"cartId": cart["id"], "lines": []})
    assert errors(payload) == [("REQUIRED", ["input", "lines"])]


async def test_update_sets_quantities_and_zero_removes_the_line(shop: Shop) -> None:
    cart = await new_cart(shop, {"TEE-0": 2, "BOOTS-0": 1})
    tee, boots = (li["id"] for li in cart["lines"])
    payload = await run(shop, "cartLinesUpdate", {"cartId": cart["id"], "lines": [
        {"lineId": tee, "quantity": 7}, {"lineId": boots, "quantity": 0}]})
    assert errors(payload) == []
    assert quantities(payload["cart"]) == {"TEE-0": 7}
    assert amounts(payload["cart"]) == ("140.00", "0.00", "0.00", "140.00")


@pytest.mark.parametrize(("quantity", "code"), [(1000, "INVALID"), (-1, "INVALID")])
async def test_update_keeps_quantities_within_bounds(shop: Shop, quantity: int, code: str) -> None:
    cart = await new_cart(shop)
    payload = await run(shop, "cartLinesUpdate", {"cartId": cart["id"], "lines": [
        {"lineId": cart["lines"][0]["id"], "quantity": quantity}]})
    assert errors(payload) == [(code, ["input", "lines", "0", "quantity"])]
    assert quantities(await read_cart(shop, cart["id"])) == {"TEE-0": 2}


async def test_lines_of_another_cart_are_not_found(shop: Shop) -> None:
    mine, theirs = await new_cart(shop), await new_cart(shop, {"BOOTS-0": 1})
    foreign = theirs["lines"][0]["id"]
    updated = await run(shop, "cartLinesUpdate", {"cartId": mine["id"], "lines": [
        {"lineId": mine["lines"][0]["id"], "quantity": 5}, {"lineId": foreign, "quantity": 1}]})
    assert errors(updated) == [("NOT_FOUND", ["input", "lines", "1", "lineId"])]
    removed = await run(shop, "cartLinesRemove", {"cartId": mine["id"], "lineIds": [foreign]})
    assert errors(removed) == [("NOT_FOUND", ["input", "lineIds", "0"])]
    assert quantities(await read_cart(shop, mine["id"])) == {"TEE-0": 2}
    assert quantities(await read_cart(shop, theirs["id"])) == {"BOOTS-0": 1}


async def test_remove_takes_out_the_named_lines_only(shop: Shop) -> None:
    cart = await new_cart(shop, {"TEE-0": 2, "BOOTS-0": 1})
    payload = await run(shop, "cartLinesRemove", {"cartId": cart["id"], "lineIds": [cart["lines"][1]["id"]]})
    assert errors(payload) == []
    assert quantities(payload["cart"]) == {"TEE-0": 2}


async def test_removing_nothing_is_required(shop: Shop) -> None:
    cart = await new_cart(shop)
    payload = await run(shop, "cartLinesRemove", {"cartId": cart["id"], "lineIds": []})
    assert errors(payload) == [("REQUIRED", ["input", "lineIds"])]


# --- cartPromoCodeApply --------------------------------------------------------------------------

async def test_a_valid_code_discounts_the_cart_and_names_its_campaign(shop: Shop) -> None:
    await factory.make_campaign(shop.client.db, "Spring", percent="10", code="SPRING")
    cart = await new_cart(shop, {"TEE-0": 2, "BOOTS-0": 1})
    payload = await run(shop, "cartPromoCodeApply", {"cartId": cart["id"], "code": "spring"})
    assert errors(payload) == []
    assert payload["cart"]["promoCodeApplied"] is True
    assert payload["cart"]["campaign"] == {"name": "Spring", "code": "SPRING"}
    assert amounts(payload["cart"]) == ("140.00", "14.00", "0.00", "126.00")
    assert payload["cart"]["problems"] == (await read_cart(shop, cart["id"]))["problems"]


async def _unknown(shop: Shop) -> str:
    return "NOPE"


async def _in_status(shop: Shop, status: str) -> str:
    await factory.make_campaign(shop.client.db, status.title(), code=f"{status}10", status=status)
    return f"{status}10"


async def _min_subtotal(shop: Shop) -> str:
    await running_campaign(shop.client.db, "Big spender", code="BIG", min_subtotal="40.01")
    return "BIG"


async def _mobile_only(shop: Shop) -> str:
    await factory.make_campaign(shop.client.db, "App only", code="APP", channels=["mobile"])
    return "APP"


async def _for_boots_only(shop: Shop) -> str:
    await factory.make_campaign(shop.client.db, "Boots", code="BOOTS", product_ids=[shop.products["boots"]])
    return "BOOTS"


PROMO_REFUSALS: dict[str, tuple[Callable[[Shop], Awaitable[str]], str]] = {
    "unknown": (_unknown, "There is no promotion with code NOPE."),
    # An unreleased code answers shoppers like an unknown one (app/services/carts._promo_campaign).
    "draft": (lambda shop: _in_status(shop, "DRAFT"), "There is no promotion with code {code}."),
    "paused": (lambda shop: _in_status(shop, "PAUSED"), "This promotion is not running now."),
    "ended": (lambda shop: _in_status(shop, "ENDED"), "This promotion is not running now."),
    "below-minimum": (_min_subtotal, "This promotion needs a subtotal of at least 40.01."),
    "other-channel": (_mobile_only, "This promotion is not offered on this channel."),
    "no-covered-item": (_for_boots_only, "This promotion does not cover any item in the cart."),
}


@pytest.mark.parametrize("case", PROMO_REFUSALS)
async def test_a_code_that_does_not_apply_is_refused_and_not_stored(shop: Shop, case: str) -> None:
    make_code, message = PROMO_REFUSALS[case]
    code = await make_code(shop)
    cart = await new_cart(shop, {"TEE-0": 2})  # subtotal 40.00 on web
    payload = await run(shop, "cartPromoCodeApply", {"cartId": cart["id"], "code": code})
    assert [(e["code"], e["message"], e["field"]) for e in payload["userErrors"]] == [
        ("PROMO_NOT_APPLICABLE", message.format(code=code.upper()), ["input", "code"])]
    after = await read_cart(shop, cart["id"])
    assert after["promoCodeApplied"] is False and after["campaign"] is None
    assert amounts(after) == ("40.00", "0.00", "0.00", "40.00")


async def test_a_code_at_exactly_its_minimum_subtotal_applies(shop: Shop) -> None:
    await running_campaign(shop.client.db, "Big spender", code="BIG", min_subtotal="40.00")
    cart = await new_cart(shop, {"TEE-0": 2})
    payload = await run(shop, "cartPromoCodeApply", {"cartId": cart["id"], "code": "BIG"})
    assert errors(payload) == [] and payload["cart"]["discount"]["amount"] == "4.00"


async def test_a_code_whose_usage_limit_is_reached_is_refused(shop: Shop) -> None:
    await running_campaign(shop.client.db, "Once", code="ONCE", usage_limit=1)
    first = await shop.ready_cart({"TEE-0": 1}, promoCode="ONCE")
    assert (await shop.checkout(first, key="order-1"))["userErrors"] == []
    cart = await new_cart(shop)
    payload = await run(shop, "cartPromoCodeApply", {"cartId": cart["id"], "code": "ONCE"})
    assert [(e["code"], e["message"]) for e in payload["userErrors"]] == [
        ("PROMO_NOT_APPLICABLE", "This promotion has been fully used.")]
    assert (await read_cart(shop, cart["id"]))["promoCodeApplied"] is False


async def test_a_refused_code_keeps_the_code_applied_before(shop: Shop) -> None:
    await factory.make_campaign(shop.client.db, "Spring", code="SPRING")
    cart = await new_cart(shop, promoCode="SPRING")
    payload = await run(shop, "cartPromoCodeApply", {"cartId": cart["id"], "code": "NOPE"})
    assert errors(payload) == [("PROMO_NOT_APPLICABLE", ["input", "code"])]
    after = await read_cart(shop, cart["id"])
    assert after["campaign"] == {"name": "Spring", "code": "SPRING"} and after["discount"]["amount"] == "4.00"


@pytest.mark.parametrize("empty", ["", "   "])
async def test_an_empty_code_removes_the_applied_one(shop: Shop, empty: str) -> None:
    await factory.make_campaign(shop.client.db, "Spring", code="SPRING")
    cart = await new_cart(shop, promoCode="SPRING")
    payload = await run(shop, "cartPromoCodeApply", {"cartId": cart["id"], "code": empty})
    assert errors(payload) == []
    assert payload["cart"]["promoCodeApplied"] is False and payload["cart"]["campaign"] is None
    assert amounts(payload["cart"]) == ("40.00", "0.00", "0.00", "40.00")


async def _pause(shop: Shop, cart: dict[str, Any], campaign_id: int) -> None:
    await set_campaign_status(shop.client.db, campaign_id, CampaignStatus.PAUSED)


async def _end(shop: Shop, cart: dict[str, Any], campaign_id: int) -> None:
    await set_campaign_status(shop.client.db, campaign_id, CampaignStatus.ENDED)


async def _shrink_below_minimum(shop: Shop, cart: dict[str, Any], campaign_id: int) -> None:
    payload = await run(shop, "cartLinesUpdate", {"cartId": cart["id"], "lines": [
        {"lineId": cart["lines"][0]["id"], "quantity": 1}]})
    assert errors(payload) == []  # changing lines is fine; the promo problem shows on the cart


STOPS_APPLYING: dict[str, tuple[Callable[[Shop, dict[str, Any], int], Awaitable[None]], str]] = {
    "paused": (_pause, "This promotion is not running now."),
    "ended": (_end, "This promotion is not running now."),
    "below-minimum": (_shrink_below_minimum, "This promotion needs a subtotal of at least 40.00."),
}


@pytest.mark.parametrize("case", STOPS_APPLYING)
async def test_an_applied_code_that_stops_applying_shows_in_problems(shop: Shop, case: str) -> None:
    change, message = STOPS_APPLYING[case]
    campaign_id = await running_campaign(shop.client.db, "Spring", code="SPRING", min_subtotal="40.00")
    cart = await shop.ready_cart({"TEE-0": 2}, promoCode="SPRING")
    before = await read_cart(shop, cart)
    assert before["problems"] == [] and before["discount"]["amount"] == "4.00"
    await change(shop, before, campaign_id)
    after = await read_cart(shop, cart)
    assert after["problems"] == [{"code": "PROMO_NOT_APPLICABLE", "message": message, "field": ["promoCode"]}]
    assert after["promoCodeApplied"] is True
    assert after["campaign"] is None and after["discount"]["amount"] == "0.00"


# --- cartDeliveryUpdate --------------------------------------------------------------------------

async def test_delivery_details_complete_the_cart_and_shipping_is_charged(shop: Shop) -> None:
    cart = await new_cart(shop)
    payload = await run(shop, "cartDeliveryUpdate", {
        "cartId": cart["id"], "email": "Ann@Example.com", "shippingAddress": ADDRESS,
        "deliveryMethodId": encode_id("DeliveryMethod", shop.express)})
    assert errors(payload) == []
    updated = payload["cart"]
    assert updated["email"] == "ann@example.com"
    assert updated["shippingAddress"] == {**{k: ADDRESS[k] for k in ("name", "line1", "city", "postalCode")},
                                          "country": "US"}
    assert updated["deliveryMethod"]["name"] == "Express"
    assert amounts(updated) == ("40.00", "0.00", "15.00", "55.00")
    assert updated["problems"] == []


@pytest.mark.parametrize("missing", ["name", "line1", "city", "postalCode", "country"])
async def test_address_fields_are_required(shop: Shop, missing: str) -> None:
    cart = await new_cart(shop)
    payload = await run(shop, "cartDeliveryUpdate", {"cartId": cart["id"],
                                                     "shippingAddress": {**ADDRESS, missing: "  "}})
    assert errors(payload) == [("REQUIRED", ["input", "shippingAddress", missing])]
    assert (await read_cart(shop, cart["id"]))["shippingAddress"] is None


@pytest.mark.parametrize("country", ["USA", "U", "1A", "ü1"])
async def test_country_must_be_a_two_letter_code(shop: Shop, country: str) -> None:
    cart = await new_cart(shop)
    payload = await run(shop, "cartDeliveryUpdate", {"cartId": cart["id"],
                                                     "shippingAddress": {**ADDRESS, "country": country}})
    assert errors(payload) == [("INVALID", ["input", "shippingAddress", "country"])]


async def test_every_address_problem_is_reported_at_once(shop: Shop) -> None:
    cart = await new_cart(shop)
    payload = await run(shop, "cartDeliveryUpdate", {"cartId": cart["id"], "email": "nope", "shippingAddress": {
        **ADDRESS, "name": "", "country": "XYZ", "postalCode": "9" * 21}})
    assert sorted(errors(payload)) == sorted([
        ("INVALID", ["input", "email"]), ("REQUIRED", ["input", "shippingAddress", "name"]),
        ("INVALID", ["input", "shippingAddress", "postalCode"]),
        ("INVALID", ["input", "shippingAddress", "country"])])


async def test_a_delivery_method_not_offered_on_the_cart_channel_is_invalid(shop: Shop) -> None:
    shop.channel = "mobile"  # Express is offered on web only
    cart = await new_cart(shop)
    assert [m["name"] for m in cart["availableDeliveryMethods"]] == ["Standard"]
    payload = await run(shop, "cartDeliveryUpdate", {"cartId": cart["id"], "email": "ann@example.com",
                                                     "deliveryMethodId": encode_id("DeliveryMethod", shop.express)})
    assert errors(payload) == [("INVALID", ["input", "deliveryMethodId"])]
    after = await read_cart(shop, cart["id"])
    assert after["deliveryMethod"] is None and after["email"] is None  # nothing of the input is kept


async def test_an_unknown_delivery_method_is_not_found(shop: Shop) -> None:
    cart = await new_cart(shop)
    payload = await run(shop, "cartDeliveryUpdate", {"cartId": cart["id"],
                                                     "deliveryMethodId": encode_id("DeliveryMethod", UNKNOWN)})
    assert errors(payload) == [("NOT_FOUND", ["input", "deliveryMethodId"])]


# --- problems ------------------------------------------------------------------------------------

async def test_an_empty_new_cart_lists_everything_missing(shop: Shop) -> None:
    cart = await new_cart(shop, {})
    assert problem_codes(cart) == [("REQUIRED", ["lines"]), ("REQUIRED", ["email"]),
                                   ("REQUIRED", ["shippingAddress"]), ("REQUIRED", ["deliveryMethodId"])]


async def test_a_ready_cart_has_no_problems(shop: Shop) -> None:
    cart_id = await shop.ready_cart({"TEE-0": 10, "BOOTS-0": 3})  # exactly what is in stock
    cart = await read_cart(shop, cart_id)
    assert cart["problems"] == []
    assert amounts(cart) == ("500.00", "0.00", "5.00", "505.00")


async def test_more_than_available_is_accepted_and_shown_as_out_of_stock(shop: Shop) -> None:
    cart_id = await shop.ready_cart({"TEE-0": 1, "BOOTS-0": 4, "SOCKS-0": 2})
    cart = await read_cart(shop, cart_id)
    assert quantities(cart) == {"TEE-0": 1, "BOOTS-0": 4, "SOCKS-0": 2}
    assert cart["problems"] == [
        {"code": "OUT_OF_STOCK", "message": "Only 3 left of Boots / Variant 0.", "field": ["lines", "1"]},
        {"code": "OUT_OF_STOCK", "message": "None left of Socks / Variant 0.", "field": ["lines", "2"]},
    ]


async def test_a_mobile_cart_offers_only_the_methods_of_its_channel(shop: Shop) -> None:
    shop.channel = "mobile"
    cart = await new_cart(shop)
    assert cart["channel"] == {"slug": "mobile"}
    assert [m["name"] for m in cart["availableDeliveryMethods"]] == ["Standard"]


# --- automatic campaigns -------------------------------------------------------------------------

async def test_an_automatic_campaign_discounts_the_cart_without_a_code(shop: Shop) -> None:
    await factory.make_campaign(shop.client.db, "Summer", percent="10")
    cart = await new_cart(shop, {"TEE-0": 2, "BOOTS-0": 1})
    assert cart["campaign"] == {"name": "Summer", "code": None} and cart["promoCodeApplied"] is False
    assert amounts(cart) == ("140.00", "14.00", "0.00", "126.00")
    assert cart["problems"] == (await read_cart(shop, cart["id"]))["problems"]


async def test_a_product_scoped_campaign_discounts_only_its_products(shop: Shop) -> None:
    await factory.make_campaign(shop.client.db, "Boots week", percent="50", product_ids=[shop.products["boots"]])
    cart = await new_cart(shop, {"TEE-0": 2, "BOOTS-0": 1})
    assert cart["campaign"]["name"] == "Boots week"
    assert amounts(cart) == ("140.00", "50.00", "0.00", "90.00")


async def test_the_best_automatic_campaign_wins_and_codes_never_apply_by_themselves(shop: Shop) -> None:
    db = shop.client.db
    await factory.make_campaign(db, "Ten", percent="10")
    await running_campaign(db, "Thirty off", kind=DiscountType.FIXED_AMOUNT, value="30")
    await factory.make_campaign(db, "Half with a code", percent="50", code="HALF")
    await factory.make_campaign(db, "Paused half", percent="50", status="PAUSED")
    await factory.make_campaign(db, "Half on the app", percent="50", channels=["mobile"])
    cart = await new_cart(shop, {"TEE-0": 2, "BOOTS-0": 1})
    assert cart["campaign"]["name"] == "Thirty off"
    assert amounts(cart) == ("140.00", "30.00", "0.00", "110.00")


async def test_an_applied_code_wins_over_a_better_automatic_campaign(shop: Shop) -> None:
    await factory.make_campaign(shop.client.db, "Half", percent="50")
    await factory.make_campaign(shop.client.db, "Spring", percent="10", code="SPRING")
    cart = await new_cart(shop, promoCode="SPRING")
    assert cart["campaign"]["name"] == "Spring" and cart["discount"]["amount"] == "4.00"


@pytest.mark.parametrize(("kind", "value", "expected"), [
    (DiscountType.FIXED_AMOUNT, "30", ("20.00", "20.00", "5.00", "5.00")),  # capped at the items
    (DiscountType.FIXED_AMOUNT, "7.50", ("20.00", "7.50", "5.00", "17.50")),
    (DiscountType.PERCENTAGE, "100", ("20.00", "20.00", "5.00", "5.00")),
    (DiscountType.FREE_SHIPPING, "0", ("20.00", "5.00", "5.00", "20.00")),
])
async def test_automatic_discount_kinds_on_a_ready_cart(shop: Shop, kind: DiscountType, value: str,
                                                        expected: tuple[str, ...]) -> None:
    await running_campaign(shop.client.db, "Deal", kind=kind, value=value)
    cart = await read_cart(shop, await shop.ready_cart({"TEE-0": 1}))
    assert amounts(cart) == expected and cart["campaign"]["name"] == "Deal"


async def test_an_automatic_campaign_applies_from_its_minimum_subtotal(shop: Shop) -> None:
    await running_campaign(shop.client.db, "Big basket", min_subtotal="100.00")
    cart = await new_cart(shop, {"TEE-0": 4})
    assert cart["campaign"] is None and cart["discount"]["amount"] == "0.00"
    payload = await run(shop, "cartLinesAdd", {"cartId": cart["id"], "lines": [
        {"variantId": shop.variant_gid("TEE-0"), "quantity": 1}]})
    assert payload["cart"]["campaign"]["name"] == "Big basket"
    assert amounts(payload["cart"]) == ("100.00", "10.00", "0.00", "90.00")


async def test_an_automatic_campaign_stops_at_its_usage_limit(shop: Shop) -> None:
    await running_campaign(shop.client.db, "First order", usage_limit=1)
    first = await shop.order({"TEE-0": 1}, key="order-1")
    assert first["discount"]["amount"] == "2.00" and first["campaign"] == {"name": "First order"}
    cart = await new_cart(shop)
    assert cart["campaign"] is None and cart["discount"]["amount"] == "0.00"


# --- ownership -----------------------------------------------------------------------------------

async def test_a_customer_cart_is_invisible_to_everyone_else(shop: Shop) -> None:
    ann, _ = await customer(shop, "ann@example.com")
    bob, _ = await customer(shop, "bob@example.com")
    cart = await new_cart(shop, token=ann)
    assert (await read_cart(shop, cart["id"], token=ann))["id"] == cart["id"]
    assert (await shop.client.data(NODE_CART, {"id": cart["id"]}, token=ann))["node"]["id"] == cart["id"]
    for stranger in (bob, None):
        assert await read_cart(shop, cart["id"], token=stranger) is None
        assert (await shop.client.data(NODE_CART, {"id": cart["id"]}, token=stranger))["node"] is None


@pytest.mark.parametrize("mutation", CHANGES)
@pytest.mark.parametrize("stranger", ["other-customer", "guest"])
async def test_nobody_else_may_change_a_customer_cart(shop: Shop, mutation: str, stranger: str) -> None:
    ann, _ = await customer(shop, "ann@example.com")
    token = (await customer(shop, "bob@example.com"))[0] if stranger == "other-customer" else None
    cart = await new_cart(shop, token=ann)
    payload = await run(shop, mutation, change_input(mutation, shop, cart), token=token)
    assert errors(payload) == [("PERMISSION_DENIED", ["input", "cartId"])] and payload["cart"] is None
    assert await read_cart(shop, cart["id"], token=ann) == cart


@pytest.mark.parametrize("mutation", CHANGES)
async def test_a_guest_cart_works_for_anyone_holding_its_id(shop: Shop, mutation: str) -> None:
    cart = await new_cart(shop)
    ann, _ = await customer(shop, "ann@example.com")
    assert (await read_cart(shop, cart["id"], token=ann))["id"] == cart["id"]
    assert (await shop.client.data(NODE_CART, {"id": cart["id"]}, token=ann))["node"]["id"] == cart["id"]
    payload = await run(shop, mutation, change_input(mutation, shop, cart), token=ann)
    assert errors(payload) == []


@pytest.mark.parametrize("cart_id", [encode_id("Cart", "0" * 32), encode_id("Product", 1), "garbage"])
async def test_an_unknown_cart_reads_as_null(shop: Shop, cart_id: str) -> None:
    assert await read_cart(shop, cart_id) is None


async def test_changing_an_unknown_cart_is_not_found(shop: Shop) -> None:
    payload = await run(shop, "cartDeliveryUpdate", {"cartId": encode_id("Cart", "0" * 32), "email": "a@b.co"})
    assert errors(payload) == [("NOT_FOUND", ["input", "cartId"])]


# --- status --------------------------------------------------------------------------------------

@pytest.mark.parametrize("mutation", CHANGES)
async def test_a_converted_cart_refuses_every_change(shop: Shop, mutation: str) -> None:
    cart_id = await shop.ready_cart({"TEE-0": 1})
    cart = await read_cart(shop, cart_id)
    assert (await shop.checkout(cart_id, key="order-1"))["userErrors"] == []
    converted = await read_cart(shop, cart_id)
    assert converted["status"] == "CONVERTED"
    assert ("CART_NOT_ACTIVE", ["cartId"]) in problem_codes(converted)
    payload = await run(shop, mutation, change_input(mutation, shop, cart))
    assert errors(payload) == [("CART_NOT_ACTIVE", ["input", "cartId"])]
    assert await read_cart(shop, cart_id) == converted


async def reactivations(db: Database, cart_id: str) -> list[tuple[str | None, str | None]]:
    async with db.read() as conn:
        return [tuple(r) for r in (await conn.execute(  # type: ignore[misc]
            select(AuditEvent.from_status, AuditEvent.to_status).where(
                AuditEvent.subject_type == "Cart", AuditEvent.subject_id == key_of(cart_id),
                AuditEvent.action == "cart.reactivate"))).all()]


@pytest.mark.parametrize("mutation", CHANGES)
async def test_an_abandoned_cart_becomes_active_again_on_any_change(shop: Shop, mutation: str) -> None:
    cart = await new_cart(shop)
    await leave_idle(shop.client.db, cart["id"], ABANDONED_IDLE)
    assert (await read_cart(shop, cart["id"]))["status"] == "ABANDONED"
    payload = await run(shop, mutation, change_input(mutation, shop, cart))
    assert errors(payload) == [] and payload["cart"]["status"] == "ACTIVE"
    assert (await read_cart(shop, cart["id"]))["status"] == "ACTIVE"
    assert await reactivations(shop.client.db, cart["id"]) == [("ABANDONED", "ACTIVE")]


async def test_a_change_to_an_active_cart_is_no_reactivation(shop: Shop) -> None:
    cart = await new_cart(shop)
    payload = await run(shop, "cartDeliveryUpdate", change_input("cartDeliveryUpdate", shop, cart))
    assert errors(payload) == [] and await reactivations(shop.client.db, cart["id"]) == []


async def test_an_idle_empty_cart_is_never_abandoned(shop: Shop) -> None:
    cart = await new_cart(shop, {})
    await leave_idle(shop.client.db, cart["id"], timedelta(days=29))
    assert (await read_cart(shop, cart["id"]))["status"] == "ACTIVE"


async def test_an_abandoned_cart_can_still_be_checked_out(shop: Shop) -> None:
    cart_id = await shop.ready_cart({"TEE-0": 1})
    await leave_idle(shop.client.db, cart_id, ABANDONED_IDLE)
    assert (await read_cart(shop, cart_id))["problems"] == []


@pytest.mark.parametrize("lines", [{"TEE-0": 1}, {}], ids=["with-lines", "empty"])
async def test_a_cart_idle_for_30_days_has_expired(shop: Shop, lines: dict[str, int]) -> None:
    cart = await new_cart(shop, lines)
    await leave_idle(shop.client.db, cart["id"], EXPIRED_IDLE)
    expired = await read_cart(shop, cart["id"])
    assert expired["status"] == "EXPIRED"
    assert problem_codes(expired)[0] == ("CART_NOT_ACTIVE", ["cartId"])


@pytest.mark.parametrize("mutation", CHANGES)
async def test_an_expired_cart_refuses_every_change(shop: Shop, mutation: str) -> None:
    cart = await new_cart(shop)
    await leave_idle(shop.client.db, cart["id"], EXPIRED_IDLE)
    payload = await run(shop, mutation, change_input(mutation, shop, cart))
    assert errors(payload) == [("CART_NOT_ACTIVE", ["input", "cartId"])]
    after = await read_cart(shop, cart["id"])
    assert after["status"] == "EXPIRED" and quantities(after) == {"TEE-0": 2}


# --- idempotency ---------------------------------------------------------------------------------

async def test_a_retried_add_with_the_same_key_replays_without_adding_twice(shop: Shop) -> None:
    cart = await new_cart(shop, {"TEE-0": 2})
    add = {"cartId": cart["id"], "lines": [{"variantId": shop.variant_gid("TEE-0"), "quantity": 1}],
           "idempotencyKey": "add-1"}
    first, again = await run(shop, "cartLinesAdd", add), await run(shop, "cartLinesAdd", add)
    assert errors(first) == errors(again) == []
    assert quantities(first["cart"]) == quantities(again["cart"]) == {"TEE-0": 3}
    assert quantities(await read_cart(shop, cart["id"])) == {"TEE-0": 3}


async def test_a_retried_create_with_the_same_key_returns_the_same_cart(shop: Shop) -> None:
    create = {"channel": "web", "lines": [{"variantId": shop.variant_gid("TEE-0"), "quantity": 1}],
              "idempotencyKey": "4b8e0c1e-7d2f-4f6a-9a51-0c3e2d9b7f10"}  # guests' keys must be unguessable
    first, again = await run(shop, "cartCreate", create), await run(shop, "cartCreate", create)
    assert errors(first) == errors(again) == []
    assert first["cart"]["id"] == again["cart"]["id"]
    assert await cart_count(shop.client.db) == 1


def other_input(mutation: str, shop: Shop, cart: dict[str, Any]) -> dict[str, Any]:
    """The same mutation as change_input() on the same cart, with another input."""
    return {**change_input(mutation, shop, cart), **{
        "cartLinesAdd": {"lines": [{"variantId": shop.variant_gid("BOOTS-0"), "quantity": 2}]},
        "cartLinesUpdate": {"lines": [{"lineId": cart["lines"][0]["id"], "quantity": 4}]},
        "cartLinesRemove": {"lineIds": [cart["lines"][1]["id"]]},
        "cartPromoCodeApply": {"code": "NOPE"},
        "cartDeliveryUpdate": {"email": "carol@example.com"},
    }[mutation]}


@pytest.mark.parametrize("mutation", CHANGES)
async def test_the_same_key_with_another_input_is_refused(shop: Shop, mutation: str) -> None:
    cart = await new_cart(shop, {"TEE-0": 2, "BOOTS-0": 1})
    first = await run(shop, mutation, {**change_input(mutation, shop, cart), "idempotencyKey": "k-1"})
    assert errors(first) == []
    before = await read_cart(shop, cart["id"])
    payload = await run(shop, mutation, {**other_input(mutation, shop, cart), "idempotencyKey": "k-1"})
    assert errors(payload) == [("IDEMPOTENCY_KEY_REUSED", ["input", "idempotencyKey"])]
    assert await read_cart(shop, cart["id"]) == before


async def test_idempotency_keys_are_scoped_to_the_caller(shop: Shop) -> None:
    (ann, ann_id), (bob, bob_id) = await customer(shop, "ann@example.com"), await customer(shop, "bob@example.com")
    create = {"channel": "web", "lines": [{"variantId": shop.variant_gid("TEE-0"), "quantity": 1}],
              "idempotencyKey": "my-cart"}
    anns, bobs = await run(shop, "cartCreate", create, token=ann), await run(shop, "cartCreate", create, token=bob)
    assert errors(anns) == errors(bobs) == []
    assert anns["cart"]["id"] != bobs["cart"]["id"]
    assert anns["cart"]["email"] == "ann@example.com" and bobs["cart"]["email"] == "bob@example.com"
    assert (await cart_row(shop.client.db, anns["cart"]["id"]))["customer_id"] == ann_id
    assert (await cart_row(shop.client.db, bobs["cart"]["id"]))["customer_id"] == bob_id


@pytest.mark.parametrize(("key", "expected"), [
    ("k" * 200, []),
    ("k" * 201, [("INVALID", ["input", "idempotencyKey"])]),
    ("  ", [("INVALID", ["input", "idempotencyKey"])]),
    ("a\x00b", [("INVALID", ["input", "idempotencyKey"])]),
], ids=["200-characters", "over-long", "blank", "nul"])
async def test_idempotency_keys_hold_1_to_200_characters(shop: Shop, key: str, expected: list) -> None:
    cart = await new_cart(shop)
    payload = await run(shop, "cartLinesAdd", {"cartId": cart["id"], "idempotencyKey": key, "lines": [
        {"variantId": shop.variant_gid("TEE-0"), "quantity": 1}]})
    assert errors(payload) == expected
    assert quantities(await read_cart(shop, cart["id"])) == {"TEE-0": 2 if expected else 3}


async def test_a_refused_write_does_not_use_up_its_key(shop: Shop) -> None:
    cart = await new_cart(shop)
    add = {"cartId": cart["id"], "idempotencyKey": "retry", "lines": [
        {"variantId": shop.variant_gid("TEE-0"), "quantity": 998}]}
    assert errors(await run(shop, "cartLinesAdd", add)) == [("INVALID", ["input", "lines", "0", "quantity"])]
    await run(shop, "cartLinesUpdate", {"cartId": cart["id"], "lines": [
        {"lineId": cart["lines"][0]["id"], "quantity": 1}]})
    payload = await run(shop, "cartLinesAdd", add)
    assert errors(payload) == [] and quantities(payload["cart"]) == {"TEE-0": 999}


@pytest.mark.parametrize("status", ["DRAFT", "SCHEDULED"])
async def test_an_unreleased_code_answers_shoppers_like_an_unknown_one_and_gives_nothing(
        shop: Shop, status: str) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from models import Campaign

    campaign = await factory.make_campaign(shop.client.db, "Secret", percent="40", code="SECRET40", status=status)
    async with shop.client.db.write_engine.begin() as conn:  # a scheduled campaign that starts tomorrow
        await conn.execute(update(Campaign).where(Campaign.id == campaign)
                           .values(starts_at=datetime.now(UTC) + timedelta(days=1)))
    cart = await new_cart(shop, {"TEE-0": 1})
    for code in ("SECRET40", "NOSUCH40"):
        refused = await run(shop, "cartPromoCodeApply", {"cartId": cart["id"], "code": code})
        assert [(e["code"], e["message"]) for e in refused["userErrors"]] == [
            ("PROMO_NOT_APPLICABLE", f"There is no promotion with code {code}.")]
    created = await shop.create_cart({"TEE-0": 1}, promoCode="SECRET40")
    assert [e["message"] for e in created["userErrors"]] == ["There is no promotion with code SECRET40."]
    merchandiser = await shop.token("merch@example.com", factory.Role.MERCHANDISER)
    staff_cart = await new_cart(shop, {"TEE-0": 1}, token=merchandiser)
    staff = await run(shop, "cartPromoCodeApply", {"cartId": staff_cart["id"], "code": "SECRET40"},
                      token=merchandiser)
    assert [e["message"] for e in staff["userErrors"]] == ["This promotion is not running now."]
