"""Refunds give back what was paid (DESIGN.md "Returns"): each order line keeps its share of the
cart discount from checkout, a returned unit refunds its line's paid total / quantity (the last unit
the remainder), shipping only by an explicit, approved choice, and never more than was captured."""

import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.ids import encode_id
from models import EcommerceOrder, Payment, ProductVariant
from tests.api.test_order_lifecycle import (
    REFUND,
    Crew,
    add_product,
    approved,
    codes,
    crew,  # noqa: F401 - fixture
    pk,
    returned_and_received,
    shipment,
    shop,  # noqa: F401 - fixture
)
from tests.support import factory
from tests.support.client import GraphQLClient
from tests.support.shop import Shop

ORDER_MONEY = """
query($id: ID!) { order(id: $id) {
  paymentStatus total { amount } discount { amount } shipping { amount }
  shippingDiscount { amount } shippingRefunded { amount }
  lines { sku quantity total { amount } discount { amount } paidTotal { amount } }
} }
"""
REFUND_SHIPPING = REFUND  # the same mutation, with refundShipping in its input


async def refund(client: GraphQLClient, crew: Crew, return_id: str, **extra: Any) -> dict[str, Any]:
    body = await client.data(REFUND, {"input": {"idempotencyKey": uuid.uuid4().hex,
                                                "returnRequestId": return_id, **extra}}, token=crew.support)
    return body["returnRequestRefund"]  # type: ignore[no-any-return]


async def money(client: GraphQLClient, crew: Crew, order: dict[str, Any]) -> dict[str, Any]:
    return (await client.data(ORDER_MONEY, {"id": order["id"]}, token=crew.support))["order"]  # type: ignore[no-any-return]


async def payment(client: GraphQLClient, order: dict[str, Any]) -> tuple[Decimal, Decimal]:
    """(captured, refunded) of the order's payment."""
    async with client.db.read() as conn:
        row = (await conn.execute(select(Payment.captured_amount, Payment.refunded_amount)
                                  .where(Payment.order_id == pk(order["id"])))).one()
    return row.captured_amount, row.refunded_amount


async def delivered(shop: Shop, crew: Crew, lines: dict[str, int], **cart: Any) -> dict[str, Any]:
    """Ann's order of `lines` (extra cart input such as promoCode), shipped and delivered."""
    cart_id = await shop.ready_cart(lines, token=crew.ann, **cart)
    placed = await shop.checkout(cart_id, key=uuid.uuid4().hex, token=crew.ann)
    assert placed["userErrors"] == [], placed["userErrors"]
    order: dict[str, Any] = placed["order"]
    await shipment(shop.client, crew, order, "PICKED", "SHIPPED", "DELIVERED")
    return order


async def refunded_one_by_one(client: GraphQLClient, crew: Crew, order: dict[str, Any],
                              units: list[str]) -> list[str]:
    """Return and refund the units one at a time, in this order; the refund amounts."""
    amounts = []
    for sku in units:
        return_id = await returned_and_received(client, crew, order, {sku: 1})
        refunded = await refund(client, crew, return_id)
        assert refunded["userErrors"] == [], refunded["userErrors"]
        amounts.append(refunded["returnRequest"]["refundAmount"]["amount"])
    return amounts


@pytest.fixture
async def odd(shop: Shop) -> dict[str, str]:
    """Two products at prices with odd cents: a mug (33.33) and a pen (19.99); their skus."""
    skus = {"mug": await add_product(shop, "Mug", "33.33", {shop.warehouse: 10}),
            "pen": await add_product(shop, "Pen", "19.99", {shop.warehouse: 10})}
    async with shop.client.db.read() as conn:
        for name, sku in skus.items():
            shop.products[name] = await conn.scalar(select(ProductVariant.product_id)
                                                    .where(ProductVariant.sku == sku))
    return skus


async def test_one_of_two_units_bought_at_half_price_refunds_what_was_paid_for_it(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    coat = await add_product(shop, "Coat", "195.57", {shop.warehouse: 5})
    await factory.make_campaign(client.db, "Half", percent="50", code="HALF")
    order = await delivered(shop, crew, {coat: 2}, promoCode="HALF")
    assert order["total"]["amount"] == "200.57"  # 391.14 - 195.57 + 5.00 shipping

    first, second = await refunded_one_by_one(client, crew, order, [coat, coat])

    assert (first, second) == ("97.79", "97.78")  # 195.57 paid for the line: half-up, remainder last
    assert await payment(client, order) == (Decimal("200.57"), Decimal("195.57"))  # shipping stays
    assert (await money(client, crew, order))["paymentStatus"] == "PARTIALLY_REFUNDED"


# (campaign kind, value, code, scoped to the pen only) -> what each unit refunds, in order
# mug, mug, mug, pen. Lines: 3 x 33.33 = 99.99 and 1 x 19.99; subtotal 119.98.
CASES = {
    # 10.00 off: the mug's share is 10 x 99.99 / 119.98 = 8.33, the pen's the remaining 1.67.
    "fixed amount": ("FIXED_AMOUNT", "10", "TENOFF", False, ["30.55", "30.55", "30.56", "18.32"]),
    # 15% of 119.98 = 18.00 (half-up): 15.00 on the mug line, 3.00 on the pen.
    "automatic percentage": ("PERCENTAGE", "15", None, False, ["28.33", "28.33", "28.33", "16.99"]),
    # 50% of the pen alone: 9.995 -> 10.00 off the pen, nothing off the mugs.
    "product scoped": ("PERCENTAGE", "50", "PENS", True, ["33.33", "33.33", "33.33", "9.99"]),
    # Free shipping: the lines were paid in full.
    "free shipping": ("FREE_SHIPPING", "0", "SHIPFREE", False, ["33.33", "33.33", "33.33", "19.99"]),
}


@pytest.mark.parametrize("case", CASES)
async def test_every_unit_refunds_its_share_of_what_was_paid_and_all_of_them_exactly_the_lines_paid(
        client: GraphQLClient, shop: Shop, crew: Crew, odd: dict[str, str], case: str) -> None:
    kind, value, code, scoped, expected = CASES[case]
    await factory.make_campaign(client.db, case, percent=value, code=code, kind=kind,
                                product_ids=[shop.products["pen"]] if scoped else None)
    order = await delivered(shop, crew, {odd["mug"]: 3, odd["pen"]: 1}, **({"promoCode": code} if code else {}))
    shown = await money(client, crew, order)
    paid_lines = sum(Decimal(line["paidTotal"]["amount"]) for line in shown["lines"])
    shipping_paid = Decimal(shown["shipping"]["amount"]) - Decimal(shown["shippingDiscount"]["amount"])
    assert paid_lines + shipping_paid == Decimal(shown["total"]["amount"])  # the shares add up

    amounts = await refunded_one_by_one(client, crew, order, [odd["mug"]] * 3 + [odd["pen"]])

    assert amounts == expected
    assert sum(map(Decimal, amounts)) == paid_lines
    captured, refunded = await payment(client, order)
    assert (captured, refunded) == (Decimal(shown["total"]["amount"]), paid_lines)


async def test_shipping_is_refunded_only_when_asked_for_and_only_with_an_approval(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    order = await delivered(shop, crew, {"TEE-0": 1})
    return_id = await returned_and_received(client, crew, order, {"TEE-0": 1})

    refused = await refund(client, crew, return_id, refundShipping=True)
    assert codes(refused) == ["APPROVAL_REQUIRED"]  # even far below the limit
    assert await payment(client, order) == (Decimal("25.00"), Decimal("0.00"))

    approval = await approved(client, crew, "REFUND_ABOVE_LIMIT", return_id)
    refunded = await refund(client, crew, return_id, refundShipping=True, approvalId=approval)
    assert refunded["userErrors"] == []
    assert refunded["returnRequest"]["refundAmount"] == {"amount": "25.00"}
    assert await payment(client, order) == (Decimal("25.00"), Decimal("25.00"))
    assert (await money(client, crew, order))["shippingRefunded"] == {"amount": "5.00"}


async def test_a_full_return_without_the_shipping_choice_keeps_the_shipping(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    order = await delivered(shop, crew, {"TEE-0": 2})
    return_id = await returned_and_received(client, crew, order, {"TEE-0": 2})
    refunded = await refund(client, crew, return_id)
    assert refunded["returnRequest"]["refundAmount"] == {"amount": "40.00"}
    assert await payment(client, order) == (Decimal("45.00"), Decimal("40.00"))


async def test_free_shipping_leaves_no_shipping_to_refund(client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    await factory.make_campaign(client.db, "Ship free", percent="0", code="SHIPFREE", kind="FREE_SHIPPING")
    order = await delivered(shop, crew, {"TEE-0": 1}, promoCode="SHIPFREE")
    return_id = await returned_and_received(client, crew, order, {"TEE-0": 1})
    approval = await approved(client, crew, "REFUND_ABOVE_LIMIT", return_id)
    refused = await refund(client, crew, return_id, refundShipping=True, approvalId=approval)
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [("INVALID", ["input", "refundShipping"])]


async def test_a_refund_beyond_what_is_captured_and_not_refunded_is_refused_and_changes_nothing(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    order = await delivered(shop, crew, {"TEE-0": 2})
    return_id = await returned_and_received(client, crew, order, {"TEE-0": 2})
    async with client.db.write_engine.begin() as conn:  # 30.00 went back outside this return
        await conn.execute(update(Payment).where(Payment.order_id == pk(order["id"]))
                           .values(refunded_amount=Decimal("30.00"), status="PARTIALLY_REFUNDED"))

    refused = await refund(client, crew, return_id)

    assert codes(refused) == ["INVALID"]
    assert "15.00" in refused["userErrors"][0]["message"]
    assert await payment(client, order) == (Decimal("45.00"), Decimal("30.00"))


async def test_the_database_refuses_refunding_more_than_was_captured(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    order = await delivered(shop, crew, {"TEE-0": 1})
    with pytest.raises(IntegrityError):
        async with client.db.write_engine.begin() as conn:
            await conn.execute(update(Payment).where(Payment.order_id == pk(order["id"]))
                               .values(refunded_amount=Decimal("25.01")))
    with pytest.raises(IntegrityError):
        async with client.db.write_engine.begin() as conn:
            await conn.execute(update(Payment).where(Payment.order_id == pk(order["id"]))
                               .values(refunded_amount=Decimal("-1.00")))


async def test_cancelling_after_a_partial_refund_gives_back_only_what_is_left(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    from tests.api.test_order_lifecycle import cancel

    order = await delivered(shop, crew, {"TEE-0": 2})
    return_id = await returned_and_received(client, crew, order, {"TEE-0": 1})
    assert (await refund(client, crew, return_id))["userErrors"] == []
    approval = await approved(client, crew, "ORDER_CANCEL_AFTER_SHIPMENT", order["id"])
    cancelled = await cancel(client, crew.support, order, approval=approval)
    assert cancelled["userErrors"] == []
    assert cancelled["order"]["paymentStatus"] == "REFUNDED"
    assert await payment(client, order) == (Decimal("45.00"), Decimal("45.00"))
    assert (await money(client, crew, order))["shippingRefunded"] == {"amount": "5.00"}


async def test_the_line_shares_are_snapshotted_at_checkout(client: GraphQLClient, shop: Shop, crew: Crew,
                                                           odd: dict[str, str]) -> None:
    campaign = await factory.make_campaign(client.db, "Fixed", percent="10", code="TENOFF", kind="FIXED_AMOUNT")
    order = await delivered(shop, crew, {odd["mug"]: 3, odd["pen"]: 1}, promoCode="TENOFF")
    async with client.db.write_engine.begin() as conn:  # the order keeps its discount, not the campaign's
        from models import Campaign
        await conn.execute(update(Campaign).where(Campaign.id == campaign).values(discount_value=Decimal(50)))
        assert (await conn.scalar(select(EcommerceOrder.discount).where(
            EcommerceOrder.id == pk(order["id"])))) == Decimal("10.00")
    shown = await money(client, crew, order)
    assert {line["sku"]: line["discount"]["amount"] for line in shown["lines"]} == {
        odd["mug"]: "8.33", odd["pen"]: "1.67"}
    assert encode_id("EcommerceOrder", pk(order["id"])) == order["id"]


async def test_the_migration_spreads_earlier_orders_discounts_as_checkout_does(
        client: GraphQLClient, shop: Shop, crew: Crew, odd: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Orders placed before the line shares existed get the same shares from migration 0006."""
    import asyncio

    from tests.conftest import TEST_SECRET

    monkeypatch.setenv("COMMERCE_SECRET_KEY", TEST_SECRET)  # the migrations read Settings() (the audit key)

    from alembic import command

    from app.migrations import alembic_config
    from models import OrderLine

    await factory.make_campaign(client.db, "Fixed", percent="5", code="FIVEOFF", kind="FIXED_AMOUNT")
    await factory.make_campaign(client.db, "Pens", percent="50", code="PENS", product_ids=[shop.products["pen"]])
    await factory.make_campaign(client.db, "Ship free", percent="0", code="SHIPFREE", kind="FREE_SHIPPING")
    orders = [await delivered(shop, crew, {odd["mug"]: 1, odd["pen"]: 1}, promoCode=code)
              for code in ("FIVEOFF", "PENS", "SHIPFREE")]

    async def shares() -> list[Any]:
        async with client.db.read() as conn:
            lines = (await conn.execute(select(OrderLine.order_id, OrderLine.sku, OrderLine.discount)
                                        .order_by(OrderLine.id))).all()
            shipping = (await conn.execute(select(EcommerceOrder.id, EcommerceOrder.shipping_discount)
                                           .order_by(EcommerceOrder.id))).all()
        return [*map(tuple, lines), *map(tuple, shipping)]

    at_checkout = await shares()
    assert any(discount > 0 for *_, discount in at_checkout)
    await client.db.dispose()
    url = client.settings.database_url
    await asyncio.to_thread(command.downgrade, alembic_config(url), "0005")
    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
    assert await shares() == at_checkout
    assert len(orders) == 3
