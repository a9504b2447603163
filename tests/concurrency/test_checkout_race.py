"""Real concurrent checkouts against a running `commerce serve`: no oversell, one order per
idempotency key, campaign usage limits hold. Run on PostgreSQL (the claim that matters) and SQLite."""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.db import Database
from app.domain.campaigns import DiscountType
from app.domain.states import CampaignStatus
from app.ids import encode_id
from app.services import campaigns, store
from models import Campaign, EcommerceOrder, ProductVariant, Stock
from tests.conftest import TEST_AUDIT_KEY, TEST_SECRET
from tests.support import factory
from tests.support.live import LiveServer, live_server
from tests.support.shop import ADDRESS, CHECKOUT

CART_CREATE = "mutation($i: CartCreateInput!) { cartCreate(input: $i) { cart { id } userErrors { code message } } }"
CART_DELIVERY = ("mutation($i: CartDeliveryInput!) { cartDeliveryUpdate(input: $i) "
                 "{ cart { id problems { code } } userErrors { code message } } }")


@pytest.fixture
async def seeded(database_url: str) -> AsyncIterator[tuple[Database, dict[str, int]]]:
    db = Database(database_url, audit_key=TEST_AUDIT_KEY)
    warehouse = await factory.make_warehouse(db, "MAIN")
    await factory.make_channel(db, "web")
    product = await factory.make_product(db, "Last Ten", prices=("30.00",), stock={warehouse: 10})
    plenty = await factory.make_product(db, "Plenty", prices=("30.00",), stock={warehouse: 1000})
    async with factory.uow(db) as work:
        method = (await store.create_delivery_method(uow=work, name="Post", price=Decimal("5.00"), channels=None)).id
    async with db.read() as conn:
        variant_of = dict((await conn.execute(select(ProductVariant.product_id, ProductVariant.id))).all())
    try:
        yield db, {"warehouse": warehouse, "variant": variant_of[product], "plenty": variant_of[plenty],
                   "method": method}
    finally:
        await db.dispose()


@pytest.fixture
async def server(database_url: str, seeded: object) -> AsyncIterator[LiveServer]:
    async with live_server(database_url, TEST_SECRET) as live:
        yield live


async def ready_cart(server: LiveServer, ids: dict[str, int], quantity: int = 1, code: str | None = None,
                     variant: str = "variant") -> str:
    created = await server.gql(CART_CREATE, {"i": {
        "channel": "web", "email": "race@example.com", "promoCode": code,
        "lines": [{"variantId": encode_id("ProductVariant", ids[variant]), "quantity": quantity}]}})
    assert created["cartCreate"]["userErrors"] == []
    cart_id = created["cartCreate"]["cart"]["id"]
    updated = await server.gql(CART_DELIVERY, {"i": {
        "cartId": cart_id, "shippingAddress": ADDRESS, "deliveryMethodId": encode_id("DeliveryMethod", ids["method"])}})
    assert updated["cartDeliveryUpdate"]["userErrors"] == []
    return cart_id  # type: ignore[no-any-return]


async def checkout(server: LiveServer, cart_id: str, key: str) -> dict:
    data = await server.gql(CHECKOUT, {"input": {"cartId": cart_id, "idempotencyKey": key,
                                                 "payment": {"gateway": "test", "token": "tok_visa"}}})
    return data["checkoutComplete"]  # type: ignore[no-any-return]


def outcome(result: dict) -> str:
    return "ORDER" if result["order"] else result["userErrors"][0]["code"]


async def test_forty_shoppers_racing_for_ten_units_get_ten_orders(
        server: LiveServer, seeded: tuple[Database, dict[str, int]]) -> None:
    db, ids = seeded
    carts = [await ready_cart(server, ids) for _ in range(40)]
    results = await asyncio.gather(*(checkout(server, cart, f"race-{i}") for i, cart in enumerate(carts)))
    assert Counter(outcome(r) for r in results) == {"ORDER": 10, "OUT_OF_STOCK": 30}
    async with db.read() as conn:
        on_hand, allocated = (await conn.execute(select(Stock.on_hand, Stock.allocated)
                                                 .join(ProductVariant, ProductVariant.id == Stock.variant_id)
                                                 .where(ProductVariant.id == ids["variant"]))).one()
        orders = await conn.scalar(select(func.count()).select_from(EcommerceOrder))
    assert (on_hand, allocated, orders) == (10, 10, 10)


async def test_twenty_concurrent_retries_with_one_key_make_one_order(
        server: LiveServer, seeded: tuple[Database, dict[str, int]]) -> None:
    db, ids = seeded
    cart = await ready_cart(server, ids, quantity=2)
    results = await asyncio.gather(*(checkout(server, cart, "one-key") for _ in range(20)))
    assert {outcome(r) for r in results} == {"ORDER"}
    assert len({r["order"]["id"] for r in results}) == 1
    async with db.read() as conn:
        assert await conn.scalar(select(func.count()).select_from(EcommerceOrder)) == 1
        assert await conn.scalar(select(Stock.allocated).where(Stock.variant_id == ids["variant"])) == 2


async def test_campaign_with_usage_limit_five_is_used_exactly_five_times(
        server: LiveServer, seeded: tuple[Database, dict[str, int]]) -> None:
    db, ids = seeded
    async with factory.uow(db) as work:
        campaign = await campaigns.create_campaign(
            uow=work, name="First five", code="FIVE", discount_type=DiscountType.PERCENTAGE,
            discount_value=Decimal(10), starts_at=None, ends_at=None, min_subtotal=None, usage_limit=5,
            channels=None, product_ids=None)
    async with factory.uow(db) as work:
        await campaigns.update_campaign_status(uow=work, campaign_id=campaign.id, status=CampaignStatus.ACTIVE)
    carts = [await ready_cart(server, ids, code="FIVE", variant="plenty") for _ in range(20)]
    results = await asyncio.gather(*(checkout(server, cart, f"promo-{i}") for i, cart in enumerate(carts)))
    assert Counter(outcome(r) for r in results) == {"ORDER": 5, "PROMO_NOT_APPLICABLE": 15}
    async with db.read() as conn:
        assert await conn.scalar(select(Campaign.times_used).where(Campaign.id == campaign.id)) == 5
        discounted = await conn.scalar(select(func.count()).select_from(EcommerceOrder)
                                       .where(EcommerceOrder.discount > 0))
    assert discounted == 5
