"""Guests' idempotency keys (DESIGN.md "Idempotency", "Sessions and abuse limits"): a replay is
only ever returned to the guest who made the first call. Writes on a cart are scoped by the cart's
id (the guest's credential for it); a guest's cartCreate by the calling client, with a key that
must be unguessable."""

import uuid
from typing import Any

import pytest

from tests.support.client import GraphQLClient
from tests.support.shop import CART_CREATE, Shop, build_shop

ALICE = {"User-Agent": "Alice's browser/1.0"}
MALLORY = {"User-Agent": "Mallory's script/6.6"}


@pytest.fixture
async def shop(client: GraphQLClient) -> Shop:
    return await build_shop(client)


async def create_cart(shop: Shop, key: str, headers: dict[str, str], email: str = "alice@example.com"
                      ) -> dict[str, Any]:
    body = await shop.client.data(CART_CREATE, {"input": {
        "channel": "web", "email": email, "idempotencyKey": key,
        "lines": [{"variantId": shop.variant_gid("TEE-0"), "quantity": 1}]}}, headers=headers)
    return body["cartCreate"]  # type: ignore[no-any-return]


async def test_a_second_guest_with_the_first_guests_key_never_receives_the_first_guests_cart(shop: Shop) -> None:
    key = str(uuid.uuid4())
    alices = await create_cart(shop, key, ALICE)
    assert alices["userErrors"] == []

    malloreys = await create_cart(shop, key, MALLORY)

    assert malloreys["userErrors"] == []
    assert malloreys["cart"]["id"] != alices["cart"]["id"]  # a cart of Mallory's own


async def test_the_same_guest_retrying_gets_the_same_cart(shop: Shop) -> None:
    key = str(uuid.uuid4())
    first = await create_cart(shop, key, ALICE)
    again = await create_cart(shop, key, ALICE)
    assert again["cart"]["id"] == first["cart"]["id"]
    other_input = await create_cart(shop, key, ALICE, email="someone@example.com")
    assert [e["code"] for e in other_input["userErrors"]] == ["IDEMPOTENCY_KEY_REUSED"]


@pytest.mark.parametrize("key", ["cart-1", "checkout", "a" * 40, "0123456789"])
async def test_a_guest_key_that_could_be_guessed_is_refused(shop: Shop, key: str) -> None:
    refused = await create_cart(shop, key, ALICE)
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [("INVALID", ["input", "idempotencyKey"])]
    assert refused["cart"] is None


async def test_signed_in_customers_keep_short_keys_scoped_to_themselves(shop: Shop) -> None:
    from app.policy.permissions import Role

    ann = await shop.token("ann@example.com", Role.CUSTOMER)
    bob = await shop.token("bob@example.com", Role.CUSTOMER)
    anns = await shop.client.data(CART_CREATE, {"input": {"channel": "web", "idempotencyKey": "cart-1"}}, token=ann)
    bobs = await shop.client.data(CART_CREATE, {"input": {"channel": "web", "idempotencyKey": "cart-1"}}, token=bob)
    assert anns["cartCreate"]["userErrors"] == bobs["cartCreate"]["userErrors"] == []
    assert anns["cartCreate"]["cart"]["id"] != bobs["cartCreate"]["cart"]["id"]
