"""Catalog depth: variants with options, weight and archive; media and SEO; facets over the
filtered list (checked against a brute-force count); stock per warehouse for staff; price changes
reach open carts, not placed orders."""

import json
import random
from typing import Any

import pytest
from sqlalchemy import select

from app.ids import encode_id
from app.policy.permissions import Role
from models import AuditEvent
from tests.support import factory
from tests.support.client import GraphQLClient
from tests.support.shop import CART_QUERY, Shop, build_shop

VARIANT_CREATE = """mutation($input: ProductVariantCreateInput!) { productVariantCreate(input: $input) {
  variant { id sku price { amount } weightGrams isArchived options { name value } } userErrors { code message field } } }"""
VARIANT_UPDATE = """mutation($input: ProductVariantUpdateInput!) { productVariantUpdate(input: $input) {
  variant { id sku price { amount } isArchived options { name value } } userErrors { code message field } } }"""
PRODUCT_UPDATE = """mutation($input: ProductUpdateInput!) { productUpdate(input: $input) {
  product { media { url alt sortOrder } seo { title description } } userErrors { code message field } } }"""
PRODUCT = """query($id: ID!) { product(id: $id) { options { name values } media { url alt sortOrder }
  seo { title description } variants { sku isArchived options { name value } } } }"""
STOCK_LEVELS = """query($id: ID!) { node(id: $id) { ... on ProductVariant { sku
  stockLevels { warehouse { code } quantityOnHand quantityAllocated } } } }"""
FACETS = """query($filter: ProductFilter) { products(first: 100, filter: $filter) {
  totalCount edges { node { slug } } facets { name values { value count } } } }"""
ADD_LINES = """mutation($input: CartLinesAddInput!) { cartLinesAdd(input: $input) {
  cart { id } userErrors { code message field } } }"""
ORDER_TOTAL = "query($id: ID!) { order(id: $id) { total { amount } lines { unitPrice { amount } } } }"


@pytest.fixture
async def shop(client: GraphQLClient) -> Shop:
    return await build_shop(client)


async def merch(shop: Shop) -> str:
    return await shop.token("merch@example.com", Role.MERCHANDISER)


async def test_variants_carry_options_and_the_product_lists_the_values_in_use(shop: Shop) -> None:
    token, tee = await merch(shop), encode_id("Product", shop.products["tee"])
    for sku, size, colour in (("TEE-S-BLUE", "S", "Blue"), ("TEE-M-BLUE", "M", "Blue"), ("TEE-M-RED", "M", "Red")):
        created = await shop.client.data(VARIANT_CREATE, {"input": {
            "productId": tee, "sku": sku, "name": f"{size} / {colour}", "price": "21.00", "weightGrams": 180,
            "options": [{"name": "Size", "value": size}, {"name": "Colour", "value": colour}]}}, token=token)
        assert created["productVariantCreate"]["userErrors"] == []
        assert created["productVariantCreate"]["variant"]["options"] == [
            {"name": "Size", "value": size}, {"name": "Colour", "value": colour}]
    product = (await shop.client.data(PRODUCT, {"id": tee}))["product"]
    assert product["options"] == [{"name": "Size", "values": ["S", "M"]}, {"name": "Colour", "values": ["Blue", "Red"]}]

    twice = await shop.client.data(VARIANT_CREATE, {"input": {
        "productId": tee, "sku": "TEE-BAD", "name": "Bad", "price": "1.00",
        "options": [{"name": "Size", "value": "S"}, {"name": "size", "value": "M"}]}}, token=token)
    assert [(e["code"], e["field"]) for e in twice["productVariantCreate"]["userErrors"]] == [
        ("INVALID", ["input", "options", "1", "name"])]
    taken = await shop.client.data(VARIANT_CREATE, {"input": {
        "productId": tee, "sku": "TEE-S-BLUE", "name": "Again", "price": "1.00"}}, token=token)
    assert [e["code"] for e in taken["productVariantCreate"]["userErrors"]] == ["INVALID"]


async def test_media_and_seo_are_set_replaced_and_only_http_urls_are_taken(shop: Shop) -> None:
    token, tee = await merch(shop), encode_id("Product", shop.products["tee"])
    set_ = await shop.client.data(PRODUCT_UPDATE, {"input": {"productId": tee, "media": [
        {"url": "https://cdn.example.com/tee-front.jpg", "alt": "The tee, front"},
        {"url": "http://cdn.example.com/tee-back.jpg"}], "seo": {"title": "Organic tee", "description": "Soft."}}},
        token=token)
    assert set_["productUpdate"]["userErrors"] == []
    product = (await shop.client.data(PRODUCT, {"id": tee}))["product"]
    assert product["media"] == [
        {"url": "https://cdn.example.com/tee-front.jpg", "alt": "The tee, front", "sortOrder": 0},
        {"url": "http://cdn.example.com/tee-back.jpg", "alt": None, "sortOrder": 1}]
    assert product["seo"] == {"title": "Organic tee", "description": "Soft."}

    refused = await shop.client.data(PRODUCT_UPDATE, {"input": {"productId": tee, "media": [
        {"url": "javascript:alert(1)"}, {"url": "ftp://example.com/a.jpg"}, {"url": "https:///nohost"}]}},
        token=token)
    assert [e["field"] for e in refused["productUpdate"]["userErrors"]] == [
        ["input", "media", str(i), "url"] for i in range(3)]
    assert (await shop.client.data(PRODUCT, {"id": tee}))["product"]["media"][0]["sortOrder"] == 0  # unchanged

    cleared = await shop.client.data(PRODUCT_UPDATE, {"input": {"productId": tee, "media": []}}, token=token)
    assert cleared["productUpdate"]["product"]["media"] == []


async def test_a_price_change_reprices_an_open_cart_and_leaves_placed_orders_alone(shop: Shop) -> None:
    ann = await shop.token("ann@example.com", Role.CUSTOMER)
    order = await shop.order({"TEE-0": 2}, key="before-price-change", token=ann)
    cart_id = await shop.ready_cart({"TEE-0": 1}, token=ann)
    changed = await shop.client.data(VARIANT_UPDATE, {"input": {"variantId": shop.variant_gid("TEE-0"),
                                                                "price": "25.50"}}, token=await merch(shop))
    assert changed["productVariantUpdate"]["variant"]["price"] == {"amount": "25.50"}

    cart = (await shop.client.data(CART_QUERY, {"id": cart_id}, token=ann))["cart"]
    assert cart["lines"][0]["unitPrice"] == {"amount": "25.50"}
    placed = (await shop.client.data(ORDER_TOTAL, {"id": order["id"]}, token=ann))["order"]
    assert placed == {"total": order["total"], "lines": [{"unitPrice": {"amount": "20.00"}}]}


async def test_an_archived_variant_is_hidden_from_shoppers_and_refused_in_carts(shop: Shop) -> None:
    token = await merch(shop)
    cart_id = await shop.ready_cart({"BOOTS-0": 1})
    archived = await shop.client.data(VARIANT_UPDATE, {"input": {"variantId": shop.variant_gid("BOOTS-0"),
                                                                 "isArchived": True}}, token=token)
    assert archived["productVariantUpdate"]["variant"]["isArchived"] is True
    boots = encode_id("Product", shop.products["boots"])
    assert (await shop.client.data(PRODUCT, {"id": boots}))["product"]["variants"] == []
    staff_view = (await shop.client.data(PRODUCT, {"id": boots}, token=token))["product"]["variants"]
    assert [(v["sku"], v["isArchived"]) for v in staff_view] == [("BOOTS-0", True)]

    problems = (await shop.client.data(CART_QUERY, {"id": cart_id}))["cart"]["problems"]
    assert [p["code"] for p in problems] == ["PRODUCT_UNAVAILABLE"]
    added = await shop.client.data(ADD_LINES, {"input": {"cartId": cart_id, "lines": [
        {"variantId": shop.variant_gid("BOOTS-0"), "quantity": 1}]}})
    assert [(e["code"], e["field"]) for e in added["cartLinesAdd"]["userErrors"]] == [
        ("NOT_FOUND", ["input", "lines", "0", "variantId"])]


async def test_variant_changes_are_audited_with_the_values_before_and_after(shop: Shop) -> None:
    await shop.client.data(VARIANT_UPDATE, {"input": {"variantId": shop.variant_gid("TEE-0"), "sku": "TEE-ORGANIC",
                                                      "options": [{"name": "Size", "value": "M"}]}},
                           token=await merch(shop))
    async with shop.client.db.read() as conn:
        [data] = (await conn.execute(select(AuditEvent.data).where(AuditEvent.action == "variant.update"))).scalars()
    change = json.loads(data or "{}")
    assert change["before"]["sku"] == "TEE-0" and change["after"]["sku"] == "TEE-ORGANIC"
    assert change["before"]["options"] == {} and change["after"]["options"] == {"Size": "M"}


async def test_stock_per_warehouse_is_for_staff(shop: Shop) -> None:
    staff = await shop.token("picker@example.com", Role.FULFILLMENT)
    read = await shop.client.data(STOCK_LEVELS, {"id": shop.variant_gid("TEE-0")}, token=staff)
    assert read["node"]["stockLevels"] == [{"warehouse": {"code": "MAIN"}, "quantityOnHand": 10,
                                           "quantityAllocated": 0}]
    for token in (None, await shop.token("ann@example.com", Role.CUSTOMER)):
        body = await shop.client.gql(STOCK_LEVELS, {"id": shop.variant_gid("TEE-0")}, token=token)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["PERMISSION_DENIED"]


SIZES, COLOURS, FITS = ["S", "M", "L", "XL"], ["Black", "Blue", "Red"], ["Slim", "Regular"]


@pytest.fixture
async def faceted(client: GraphQLClient) -> dict[str, list[dict[str, str]]]:
    """Eighteen products with random Size/Colour/Fit variants (one archived variant among them):
    the option values each product's variants on sale have, for the brute-force count."""
    rng = random.Random(42)
    warehouse = await factory.make_warehouse(client.db, "W")
    await factory.make_channel(client.db, "web")
    token = client.token_for(await factory.make_user(client.db, "m@example.com", Role.MERCHANDISER))
    catalog: dict[str, list[dict[str, str]]] = {}
    for n in range(18):
        slug = f"shirt-{n}"
        pid = await factory.make_product(client.db, f"Shirt {n}", prices=("10.00",), stock={warehouse: 5})
        catalog[slug] = []
        for k in range(rng.randint(1, 4)):
            options = {"Size": rng.choice(SIZES), "Colour": rng.choice(COLOURS)}
            if rng.random() < 0.5:
                options["Fit"] = rng.choice(FITS)
            created = await client.data(VARIANT_CREATE, {"input": {
                "productId": encode_id("Product", pid), "sku": f"SH-{n}-{k}", "name": "/".join(options.values()),
                "price": "12.00", "options": [{"name": a, "value": b} for a, b in options.items()]}}, token=token)
            variant = created["productVariantCreate"]["variant"]
            if n == 3 and k == 0:
                await client.data(VARIANT_UPDATE, {"input": {"variantId": variant["id"], "isArchived": True}},
                                  token=token)
                continue
            catalog[slug].append(options)
    return catalog


def brute_force(catalog: dict[str, list[dict[str, str]]], selected: dict[str, list[str]]) -> dict[str, Any]:
    def matches(variants: list[dict[str, str]], skip: str | None = None) -> bool:
        return all(any(v.get(name) in values for v in variants) for name, values in selected.items() if name != skip)

    facets: dict[str, dict[str, int]] = {}
    for name in ("Size", "Colour", "Fit"):
        for variants in catalog.values():
            if matches(variants, skip=name):
                for value in {v[name] for v in variants if name in v}:
                    facets.setdefault(name, {}).setdefault(value, 0)
                    facets[name][value] += 1
    return {"slugs": sorted(s for s, v in catalog.items() if matches(v)), "facets": facets}


@pytest.mark.parametrize("selected", [
    {}, {"Size": ["M"]}, {"Size": ["M", "L"], "Colour": ["Red"]}, {"Fit": ["Slim"], "Colour": ["Blue", "Black"]},
    {"Size": ["XL"], "Colour": ["Red"], "Fit": ["Regular"]}, {"Size": ["XXL"]},
], ids=["none", "one", "two-options", "fit-and-colours", "three", "nothing-matches"])
async def test_facet_counts_equal_a_brute_force_count(client: GraphQLClient, faceted: dict[str, Any],
                                                      selected: dict[str, list[str]]) -> None:
    body = await client.data(FACETS, {"filter": {"options": [{"name": k, "values": v} for k, v in selected.items()]}})
    expected = brute_force(faceted, selected)
    found = body["products"]
    assert sorted(e["node"]["slug"] for e in found["edges"] if e["node"]["slug"].startswith("shirt")) == \
        expected["slugs"]
    facets = {f["name"]: {v["value"]: v["count"] for v in f["values"]} for f in found["facets"]}
    assert facets == expected["facets"]
    assert all(count > 0 for values in facets.values() for count in values.values())


CATEGORY_UPDATE = """mutation($input: CategoryUpdateInput!) { categoryUpdate(input: $input) {
  category { slug parent { slug } } userErrors { code message field } } }"""
CATEGORY_PRODUCTS = "query($slug: String!) { category(slug: $slug) { products(first: 50) { totalCount } } }"
CAMPAIGN_UPDATE = """mutation($input: CampaignUpdateInput!) { campaignUpdate(input: $input) {
  campaign { discountValue } userErrors { code message field } } }"""


async def test_a_category_moves_with_its_subtree_and_never_under_itself(client: GraphQLClient) -> None:
    db = client.db
    token = client.token_for(await factory.make_user(db, "m@example.com", Role.MERCHANDISER))
    apparel = await factory.make_category(db, "Apparel")
    tops = await factory.make_category(db, "Tops", apparel)
    tees = await factory.make_category(db, "Tees", tops)
    footwear = await factory.make_category(db, "Footwear")
    await factory.make_product(db, "Tee", prices=("10.00",), category_id=tees)
    gid = lambda pk: encode_id("Category", pk)

    for parent in (tops, tees):  # under itself, under its grandchild
        refused = await client.data(CATEGORY_UPDATE, {"input": {"categoryId": gid(tops), "parentId": gid(parent)}},
                                    token=token)
        assert [(e["code"], e["field"]) for e in refused["categoryUpdate"]["userErrors"]] == [
            ("INVALID", ["input", "parentId"])]

    moved = await client.data(CATEGORY_UPDATE, {"input": {"categoryId": gid(tops), "parentId": gid(footwear)}},
                              token=token)
    assert moved["categoryUpdate"] == {"category": {"slug": "tops", "parent": {"slug": "footwear"}}, "userErrors": []}
    count = lambda data: data["category"]["products"]["totalCount"]
    assert count(await client.data(CATEGORY_PRODUCTS, {"slug": "footwear"})) == 1  # the tee, two levels down
    assert count(await client.data(CATEGORY_PRODUCTS, {"slug": "apparel"})) == 0
    back = await client.data(CATEGORY_UPDATE, {"input": {"categoryId": gid(footwear), "parentId": gid(tees)}},
                             token=token)  # footwear now holds tees: it cannot go under it
    assert [e["code"] for e in back["categoryUpdate"]["userErrors"]] == ["INVALID"]


async def test_a_running_campaigns_new_terms_price_carts_at_once_and_an_ended_one_cannot_change(
        shop: Shop) -> None:
    token = await merch(shop)
    campaign = await factory.make_campaign(shop.client.db, "Sale", percent="10")
    cart_id = await shop.ready_cart({"TEE-0": 1})
    assert (await shop.client.data(CART_QUERY, {"id": cart_id}))["cart"]["discount"] == {"amount": "2.00"}

    changed = await shop.client.data(CAMPAIGN_UPDATE, {"input": {"campaignId": encode_id("Campaign", campaign),
                                                                 "discountValue": "25"}}, token=token)
    assert changed["campaignUpdate"]["userErrors"] == []
    assert (await shop.client.data(CART_QUERY, {"id": cart_id}))["cart"]["discount"] == {"amount": "5.00"}

    ended = await factory.make_campaign(shop.client.db, "Old sale", status="ENDED")
    refused = await shop.client.data(CAMPAIGN_UPDATE, {"input": {"campaignId": encode_id("Campaign", ended),
                                                                 "name": "Revived"}}, token=token)
    assert [(e["code"], e["field"]) for e in refused["campaignUpdate"]["userErrors"]] == [
        ("INVALID_TRANSITION", ["input", "campaignId"])]


SEARCH = "query($q: String!) { products(first: 10, filter: {search: $q}, sort: {field: RELEVANCE, direction: DESC}) { edges { node { slug } } } }"


async def test_a_new_variant_is_found_by_its_sku_and_option_values_at_once(shop: Shop) -> None:
    created = await shop.client.data(VARIANT_CREATE, {"input": {
        "productId": encode_id("Product", shop.products["socks"]), "sku": "SOX-TEAL-42", "name": "Teal 42",
        "price": "6.00", "options": [{"name": "Colour", "value": "Teal"}]}}, token=await merch(shop))
    assert created["productVariantCreate"]["userErrors"] == []
    for text in ("SOX-TEAL-42", "teal"):
        found = await shop.client.data(SEARCH, {"q": text})
        assert [e["node"]["slug"] for e in found["products"]["edges"]] == ["socks"], text
