"""Regressions found in review: forged ids and cursors, repeated lines, private data, concurrent
refunds, shipping an unpaid order. Each must be a clear refusal, never a 500 or a double effect."""

import asyncio
import base64

import orjson
import pytest
from sqlalchemy import update

from app.ids import encode_id
from models import Payment
from tests.api.test_order_lifecycle import (  # noqa: F401  # noqa: F401 - fixtures
    REFUND,
    Crew,
    crew,
    decide,
    delivered_order,
    fulfill,
    move,
    request_return,
    shipment,
    shop,
)
from tests.support import factory
from tests.support.client import GraphQLClient
from tests.support.shop import APPROVAL_FIELDS, Shop  # noqa: F401

PRODUCTS = "query($after: String, $sort: ProductSort) { products(first: 2, after: $after, sort: $sort) { totalCount } }"


def forged(*values: object) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(values))).decode().rstrip("=")


@pytest.mark.parametrize(("cursor", "sort"), [
    (forged("product:CREATED_AT:asc", "2024-01-01T00:00:00", 1), None),  # no time zone
    (forged("product:PRICE:asc", "NaN", 1), {"field": "PRICE", "direction": "ASC"}),
    (forged("product:NAME:asc", "Tee", 99999999999), {"field": "NAME", "direction": "ASC"}),
    (forged("product:NAME:asc", {"x": 1}, 1), {"field": "NAME", "direction": "ASC"}),
])
async def test_forged_cursors_are_refused_as_invalid_pagination(client: GraphQLClient, cursor: str,
                                                                sort: dict | None) -> None:
    body = await client.gql(PRODUCTS, {"after": cursor, "sort": sort})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_PAGINATION"


@pytest.mark.parametrize("query", [
    "{ categories(first: 1, after: \"%s\") { totalCount } }" % forged("category:name", {"x": 1}, 1),
    "{ campaigns(first: 1, after: \"%s\") { totalCount } }" % forged("campaign:id-desc", "abc"),
])
async def test_forged_cursors_of_other_lists_are_refused(client: GraphQLClient, query: str) -> None:
    assert (await client.gql(query))["errors"][0]["extensions"]["code"] == "INVALID_PAGINATION"


async def test_a_forged_nested_cursor_is_refused(client: GraphQLClient) -> None:
    await factory.make_category(client.db, "Root")
    query = '{ category(slug: "root") { products(first: 1, after: "%s") { totalCount } } }'
    body = await client.gql(query % forged("nested-product:name", "Tee", True))  # an id of the wrong type
    assert body["errors"][0]["extensions"]["code"] == "INVALID_PAGINATION"


@pytest.mark.parametrize("key", ["²", "99999999999", "1\x00"])
async def test_odd_id_keys_read_as_unknown(client: GraphQLClient, key: str) -> None:
    gid = base64.urlsafe_b64encode(f"Product:{key}".encode()).decode().rstrip("=")
    data = await client.data("query($id: ID!) { node(id: $id) { id } product(id: $id) { id } }", {"id": gid})
    assert data == {"node": None, "product": None}
    cart = base64.urlsafe_b64encode(b"Cart:ab\x00cd").decode()
    assert (await client.data("query($id: ID!) { cart(id: $id) { id } }", {"id": cart}))["cart"] is None
    nul_slug = await client.gql('{ product(slug: "a\\u0000b") { id } }')  # unstorable text: a coded error
    assert nul_slug["data"]["product"] is None and nul_slug["errors"][0]["extensions"]["code"] == "INVALID"


async def test_a_line_named_twice_in_a_fulfillment_is_refused(client: GraphQLClient, shop: Shop,
                                                              crew: Crew) -> None:
    order = await shop.order({"TEE-0": 1}, key="twice", token=crew.ann)
    line = order["lines"][0]["id"]
    body = await client.data(
        "mutation($i: FulfillmentCreateInput!) { fulfillmentCreate(input: $i) { userErrors { code field } } }",
        {"i": {"orderId": order["id"], "idempotencyKey": "t",
               "lines": [{"orderLineId": line, "quantity": 1}, {"orderLineId": line, "quantity": 1}]}},
        token=crew.picker)
    assert body["fulfillmentCreate"]["userErrors"] == [
        {"code": "INVALID", "field": ["input", "lines", "1", "orderLineId"]}]


async def test_a_malformed_order_line_id_is_a_user_error(client: GraphQLClient, shop: Shop,
                                                         crew: Crew) -> None:
    order = await delivered_order(shop, crew, {"TEE-0": 1})
    body = await client.data(
        "mutation($i: ReturnRequestCreateInput!) { returnRequestCreate(input: $i) { userErrors { code field } } }",
        {"i": {"orderId": order["id"], "reason": "x", "idempotencyKey": "r",
               "lines": [{"orderLineId": "garbage", "quantity": 1}]}}, token=crew.ann)
    assert body["returnRequestCreate"]["userErrors"] == [
        {"code": "INVALID", "field": ["input", "lines", "0", "orderLineId"]}]


async def test_a_merchandiser_cannot_read_a_customers_orders(client: GraphQLClient, shop: Shop,
                                                             crew: Crew) -> None:
    from app.policy.permissions import Role

    await shop.order({"TEE-0": 1}, key="private", token=crew.ann)
    merchandiser = await shop.token("merch@example.com", Role.MERCHANDISER)
    query = "query($id: ID!) { node(id: $id) { ... on Customer { orders(first: 5) { totalCount } } } }"
    body = await client.gql(query, {"id": encode_id("Customer", 1)}, token=merchandiser)
    assert body["data"]["node"] is None
    staff = await client.gql(query, {"id": encode_id("Customer", 1)}, token=crew.support)
    assert staff["data"]["node"]["orders"]["totalCount"] == 1


async def test_two_refunds_at_once_pay_the_return_once(client: GraphQLClient, shop: Shop,
                                                       crew: Crew) -> None:
    from tests.api.test_order_lifecycle import APPROVE, RECEIVE

    order = await delivered_order(shop, crew, {"TEE-0": 2})
    return_id = (await request_return(client, crew.ann, order, {"TEE-0": 1}))["returnRequest"]["id"]
    await decide(client, crew.support, APPROVE, return_id)
    await decide(client, crew.picker, RECEIVE, return_id)
    results = await asyncio.gather(decide(client, crew.support, REFUND, return_id),
                                   decide(client, crew.manager, REFUND, return_id))
    outcomes = sorted(r["userErrors"][0]["code"] if r["userErrors"] else "REFUNDED" for r in results)
    assert outcomes == ["INVALID_TRANSITION", "REFUNDED"]
    async with client.db.read() as conn:
        from sqlalchemy import select
        refunded = await conn.scalar(select(Payment.refunded_amount))
    assert str(refunded) == "20.00"


async def test_nothing_ships_without_an_authorized_payment(client: GraphQLClient, shop: Shop,
                                                           crew: Crew) -> None:
    order = await shop.order({"TEE-0": 1}, key="voided", token=crew.ann)
    async with client.db.write_engine.begin() as conn:
        await conn.execute(update(Payment).values(status="VOIDED"))
    created = await fulfill(client, crew.picker, order)
    fulfillment_id = created["fulfillment"]["id"]
    await move(client, crew.picker, fulfillment_id, "PICKED")
    shipped = await move(client, crew.picker, fulfillment_id, "SHIPPED")
    assert [e["code"] for e in shipped["userErrors"]] == ["INVALID_TRANSITION"]
    assert "voided" in shipped["userErrors"][0]["message"]
