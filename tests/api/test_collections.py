"""Collections: curated, ordered, publishable product lists. Shoppers see published collections and,
inside them, the products they may see (ACTIVE, published on their channel); staff see everything.
Writes are for MERCHANDISER and ADMIN, validated with field paths, idempotent and audited."""

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from app.ids import encode_id
from app.policy.permissions import Role
from models import AuditEvent, Collection
from tests.support.client import GraphQLClient
from tests.support.shop import Shop, build_shop

PAYLOAD = """collection { id name slug description isPublished
                         products(first: 50) { totalCount edges { node { slug } } } }
             userErrors { code message field }"""
CREATE = f"mutation($input: CollectionCreateInput!) {{ collectionCreate(input: $input) {{ {PAYLOAD} }} }}"
UPDATE = f"mutation($input: CollectionUpdateInput!) {{ collectionUpdate(input: $input) {{ {PAYLOAD} }} }}"
PRODUCTS_SET = (f"mutation($input: CollectionProductsSetInput!) {{ collectionProductsSet(input: $input) "
                f"{{ {PAYLOAD} }} }}")
PRODUCT_UPDATE = """mutation($input: ProductUpdateInput!) { productUpdate(input: $input) {
  product { status } userErrors { code message field } } }"""
EVERY_PATH = """query($id: ID!, $slug: String!, $product: ID!) {
  collection(id: $id) { slug products(first: 50) { totalCount edges { node { slug } } } }
  bySlug: collection(slug: $slug) { slug }
  node(id: $id) { __typename ... on Collection { slug } }
  collections(first: 50) { totalCount edges { node { slug } } }
  product(id: $product) { collections { slug } }
  filtered: products(first: 50, filter: {collectionId: $id}) { totalCount edges { node { slug } } }
}"""
IN_ORDER = """query($id: ID!, $first: Int, $after: String) { collection(id: $id) {
  products(first: $first, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
                                           edges { node { slug } } } } }"""


@pytest.fixture
async def shop(client: GraphQLClient) -> Shop:
    """Tee, boots and socks on channels web and mobile."""
    return await build_shop(client)


def pid(shop: Shop, name: str) -> str:
    return encode_id("Product", shop.products[name])


def slugs(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["slug"] for edge in connection["edges"]]


def errors(payload: dict[str, Any]) -> list[tuple[str, list[str] | None]]:
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


async def merch(shop: Shop) -> str:
    return await shop.token("merch@example.com", Role.MERCHANDISER)


async def call(shop: Shop, document: str, name: str, input: dict[str, Any], token: str | None = None,
               *, as_merchandiser: bool = True) -> dict[str, Any]:
    if token is None and as_merchandiser:
        token = await merch(shop)
    return (await shop.client.data(document, {"input": input}, token=token))[name]  # type: ignore[no-any-return]


async def create(shop: Shop, **input: Any) -> dict[str, Any]:
    payload = await call(shop, CREATE, "collectionCreate", input)
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload["collection"]  # type: ignore[no-any-return]


async def audit_of(shop: Shop, collection_id: str, action: str) -> list[Any]:
    async with shop.client.db.read() as conn:
        rows = (await conn.execute(select(AuditEvent.data).where(
            AuditEvent.subject_type == "Collection", AuditEvent.action == action,
            AuditEvent.subject_id == str(int(decoded(collection_id)))).order_by(AuditEvent.sequence))).scalars()
        return [json.loads(data) for data in rows]


def decoded(global_id: str) -> str:
    from app.ids import decode_id

    parts = decode_id(global_id)
    assert parts is not None
    return parts[1]


async def collection_rows(shop: Shop) -> int:
    async with shop.client.db.read() as conn:
        return int(await conn.scalar(select(func.count()).select_from(Collection)) or 0)


async def seen(shop: Shop, collection: dict[str, Any], product: str, *, token: str | None = None,
               headers: dict[str, str] | None = None) -> dict[str, Any]:
    body = await shop.client.gql(EVERY_PATH, {"id": collection["id"], "slug": collection["slug"],
                                              "product": pid(shop, product)}, token=token, headers=headers)
    assert not body.get("errors"), body["errors"]
    data = body["data"]
    return {
        "id": data["collection"] is not None, "slug": data["bySlug"] is not None, "node": data["node"] is not None,
        "list": collection["slug"] in slugs(data["collections"]),
        "product": collection["slug"] in [c["slug"] for c in data["product"]["collections"]],
        "members": slugs(data["collection"]["products"]) if data["collection"] else None,
        "filtered": sorted(slugs(data["filtered"])),
    }


async def test_create_with_ordered_products_reads_them_back_in_order(shop: Shop) -> None:
    created = await create(shop, name="Summer Picks", description="Hot days.", isPublished=True,
                           productIds=[pid(shop, "socks"), pid(shop, "tee"), pid(shop, "boots")])
    assert created["name"] == "Summer Picks" and created["slug"] == "summer-picks" and created["isPublished"]
    assert slugs(created["products"]) == ["socks", "tee", "boots"] and created["products"]["totalCount"] == 3

    first = (await shop.client.data(IN_ORDER, {"id": created["id"], "first": 2}))["collection"]["products"]
    assert slugs(first) == ["socks", "tee"] and first["totalCount"] == 3
    assert first["pageInfo"]["hasNextPage"] and not first["pageInfo"]["hasPreviousPage"]
    rest = (await shop.client.data(IN_ORDER, {"id": created["id"], "first": 2,
                                              "after": first["pageInfo"]["endCursor"]}))["collection"]["products"]
    assert slugs(rest) == ["boots"]
    assert not rest["pageInfo"]["hasNextPage"] and rest["pageInfo"]["hasPreviousPage"]

    socks, tee, boots = (shop.products[n] for n in ("socks", "tee", "boots"))
    assert await audit_of(shop, created["id"], "collection.create") == [{
        "name": "Summer Picks", "slug": "summer-picks", "description": "Hot days.", "isPublished": True,
        "productIds": [socks, tee, boots]}]


async def test_products_set_replaces_membership_and_order(shop: Shop) -> None:
    created = await create(shop, name="Picks", isPublished=True, productIds=[pid(shop, "tee"), pid(shop, "boots")])
    payload = await call(shop, PRODUCTS_SET, "collectionProductsSet", {
        "collectionId": created["id"], "productIds": [pid(shop, "socks"), pid(shop, "tee")]})
    assert payload["userErrors"] == []
    assert slugs(payload["collection"]["products"]) == ["socks", "tee"]
    found = await seen(shop, created, "boots")
    assert found["members"] == ["socks", "tee"] and not found["product"] and found["filtered"] == ["socks", "tee"]

    emptied = await call(shop, PRODUCTS_SET, "collectionProductsSet",
                         {"collectionId": created["id"], "productIds": []})
    assert emptied["userErrors"] == [] and emptied["collection"]["products"]["totalCount"] == 0

    tee, boots, socks = (shop.products[n] for n in ("tee", "boots", "socks"))
    assert await audit_of(shop, created["id"], "collection.products_set") == [
        {"before": [tee, boots], "after": [socks, tee]}, {"before": [socks, tee], "after": []}]


async def test_an_unpublished_collection_is_for_staff_only_until_published(shop: Shop) -> None:
    hidden = await create(shop, name="Coming Soon", productIds=[pid(shop, "tee"), pid(shop, "boots")])
    assert hidden["isPublished"] is False  # the default: prepared unseen
    ann = await shop.token("ann@example.com", Role.CUSTOMER)
    nowhere = {"id": False, "slug": False, "node": False, "list": False, "product": False, "members": None,
               "filtered": []}
    for viewer in (None, ann):
        assert await seen(shop, hidden, "tee", token=viewer) == nowhere
    everywhere = {"id": True, "slug": True, "node": True, "list": True, "product": True,
                  "members": ["tee", "boots"], "filtered": ["boots", "tee"]}
    for staff in (await merch(shop), await shop.token("support@example.com", Role.SUPPORT)):
        assert await seen(shop, hidden, "tee", token=staff) == everywhere

    published = await call(shop, UPDATE, "collectionUpdate", {"collectionId": hidden["id"], "isPublished": True})
    assert published["userErrors"] == [] and published["collection"]["isPublished"] is True
    for viewer in (None, ann):
        assert await seen(shop, hidden, "tee", token=viewer) == everywhere

    await call(shop, UPDATE, "collectionUpdate", {"collectionId": hidden["id"], "isPublished": False})
    assert await seen(shop, hidden, "tee") == nowhere


async def test_an_archived_product_leaves_the_collection_for_shoppers_but_not_staff(shop: Shop) -> None:
    collection = await create(shop, name="All", isPublished=True,
                              productIds=[pid(shop, "tee"), pid(shop, "boots"), pid(shop, "socks")])
    archived = await call(shop, PRODUCT_UPDATE, "productUpdate", {"productId": pid(shop, "tee"), "status": "ARCHIVED"})
    assert archived["userErrors"] == [] and archived["product"]["status"] == "ARCHIVED"

    ann = await shop.token("ann@example.com", Role.CUSTOMER)
    for viewer in (None, ann):
        body = await shop.client.data(IN_ORDER, {"id": collection["id"]}, token=viewer)
        assert slugs(body["collection"]["products"]) == ["boots", "socks"]
        assert body["collection"]["products"]["totalCount"] == 2
        assert (await seen(shop, collection, "boots", token=viewer))["filtered"] == ["boots", "socks"]
    staff = await shop.client.data(IN_ORDER, {"id": collection["id"]}, token=await merch(shop))
    assert slugs(staff["collection"]["products"]) == ["tee", "boots", "socks"]
    assert staff["collection"]["products"]["totalCount"] == 3

    # Unpublished on one channel: gone there, still shown on the other.
    hidden = await call(shop, PRODUCT_UPDATE, "productUpdate", {
        "productId": pid(shop, "boots"), "channelListings": [{"channel": "web", "isPublished": False}]})
    assert hidden["userErrors"] == []
    web = await shop.client.data(IN_ORDER, {"id": collection["id"]}, headers={"X-Channel": "web"})
    mobile = await shop.client.data(IN_ORDER, {"id": collection["id"]}, headers={"X-Channel": "mobile"})
    assert slugs(web["collection"]["products"]) == ["socks"]
    assert slugs(mobile["collection"]["products"]) == ["boots", "socks"]


async def test_filter_by_collection(shop: Shop) -> None:
    shoes = await create(shop, name="Shoes", isPublished=True, productIds=[pid(shop, "boots")])
    hidden = await create(shop, name="Hidden", productIds=[pid(shop, "socks"), pid(shop, "tee")])
    assert (await seen(shop, shoes, "boots"))["filtered"] == ["boots"]
    assert (await seen(shop, hidden, "tee"))["filtered"] == []  # not the viewer's to see: nothing
    assert (await seen(shop, hidden, "tee", token=await merch(shop)))["filtered"] == ["socks", "tee"]

    unknown = await shop.client.data("query($id: ID!) { products(filter: {collectionId: $id}) { totalCount } }",
                                     {"id": encode_id("Collection", 999_999)})
    assert unknown["products"]["totalCount"] == 0
    wrong = await shop.client.gql("query($id: ID!) { products(filter: {collectionId: $id}) { totalCount } }",
                                  {"id": pid(shop, "tee")})
    assert wrong["errors"][0]["extensions"]["code"] == "INVALID"


async def test_product_collections_lists_what_the_viewer_may_see_by_name(shop: Shop) -> None:
    await create(shop, name="Zebra", isPublished=True, productIds=[pid(shop, "tee")])
    await create(shop, name="Alpha", isPublished=True, productIds=[pid(shop, "boots"), pid(shop, "tee")])
    await create(shop, name="Draft Picks", productIds=[pid(shop, "tee")])
    query = "query($id: ID!) { product(id: $id) { collections { name isPublished } } }"
    shopper = await shop.client.data(query, {"id": pid(shop, "tee")})
    assert [c["name"] for c in shopper["product"]["collections"]] == ["Alpha", "Zebra"]
    staff = await shop.client.data(query, {"id": pid(shop, "tee")}, token=await merch(shop))
    assert [c["name"] for c in staff["product"]["collections"]] == ["Alpha", "Draft Picks", "Zebra"]
    socks = await shop.client.data(query, {"id": pid(shop, "socks")})
    assert socks["product"]["collections"] == []


@pytest.mark.parametrize("role", [None, Role.CUSTOMER, Role.SUPPORT, Role.FULFILLMENT, Role.MANAGER])
async def test_only_merchandisers_and_admins_write_collections(shop: Shop, role: Role | None) -> None:
    existing = await create(shop, name="Existing", productIds=[pid(shop, "tee")])
    token = await shop.token(f"{role.lower()}@example.com", role) if role else None
    before = await collection_rows(shop)
    for document, name, input in (
            (CREATE, "collectionCreate", {"name": "Mine", "productIds": [pid(shop, "boots")]}),
            (UPDATE, "collectionUpdate", {"collectionId": existing["id"], "isPublished": True}),
            (PRODUCTS_SET, "collectionProductsSet", {"collectionId": existing["id"], "productIds": []})):
        payload = await call(shop, document, name, input, token, as_merchandiser=False)
        assert errors(payload) == [("PERMISSION_DENIED", None)], (name, payload)
        assert payload["collection"] is None
    assert await collection_rows(shop) == before
    staff = await shop.client.data(IN_ORDER, {"id": existing["id"]}, token=await merch(shop))
    assert slugs(staff["collection"]["products"]) == ["tee"]
    admin = await shop.token("admin@example.com", Role.ADMIN)
    assert (await call(shop, CREATE, "collectionCreate", {"name": "Admin's"}, admin))["userErrors"] == []


async def test_refusals_name_the_field_at_fault_and_write_nothing(shop: Shop) -> None:
    existing = await create(shop, name="Taken", slug="taken")
    before = await collection_rows(shop)
    tee, boots = pid(shop, "tee"), pid(shop, "boots")
    missing, other_missing = encode_id("Product", 999_999), encode_id("Product", 999_998)

    async def refused(document: str, name: str, input: dict[str, Any]) -> list[tuple[str, list[str] | None]]:
        payload = await call(shop, document, name, input)
        assert payload["collection"] is None
        return errors(payload)

    assert await refused(CREATE, "collectionCreate", {"name": " ", "slug": "Not A Slug"}) == [
        ("REQUIRED", ["input", "name"]), ("INVALID", ["input", "slug"])]
    assert await refused(CREATE, "collectionCreate", {"name": "Dupes", "productIds": [tee, boots, tee]}) == [
        ("INVALID", ["input", "productIds", "2"])]
    assert await refused(CREATE, "collectionCreate", {"name": "Ghost", "productIds": [tee, missing, boots, other_missing]}) == [
        ("NOT_FOUND", ["input", "productIds", "1"]), ("NOT_FOUND", ["input", "productIds", "3"])]
    assert await refused(CREATE, "collectionCreate", {"name": "Odd", "productIds": [existing["id"]]}) == [
        ("INVALID", ["input", "productIds", "0"])]
    assert await refused(CREATE, "collectionCreate", {"name": "Again", "slug": "taken"}) == [
        ("INVALID", ["input", "slug"])]
    too_many = [encode_id("Product", n) for n in range(1, 502)]
    assert await refused(PRODUCTS_SET, "collectionProductsSet",
                         {"collectionId": existing["id"], "productIds": too_many}) == [
        ("INVALID", ["input", "productIds"])]
    assert await refused(PRODUCTS_SET, "collectionProductsSet",
                         {"collectionId": existing["id"], "productIds": [boots, missing]}) == [
        ("NOT_FOUND", ["input", "productIds", "1"])]
    assert await refused(PRODUCTS_SET, "collectionProductsSet",
                         {"collectionId": encode_id("Collection", 999_999), "productIds": [tee]}) == [
        ("NOT_FOUND", ["input", "collectionId"])]
    assert await refused(UPDATE, "collectionUpdate", {"collectionId": existing["id"], "name": ""}) == [
        ("REQUIRED", ["input", "name"])]
    assert await refused(UPDATE, "collectionUpdate", {"collectionId": tee, "name": "X"}) == [
        ("INVALID", ["input", "collectionId"])]
    other = await create(shop, name="Other")
    assert await refused(UPDATE, "collectionUpdate", {"collectionId": other["id"], "slug": "taken"}) == [
        ("INVALID", ["input", "slug"])]

    assert await collection_rows(shop) == before + 1  # "Other" only
    staff = await shop.client.data(IN_ORDER, {"id": existing["id"]}, token=await merch(shop))
    assert staff["collection"]["products"]["totalCount"] == 0
    assert await audit_of(shop, existing["id"], "collection.products_set") == []


async def test_update_is_audited_with_before_and_after(shop: Shop) -> None:
    created = await create(shop, name="Old Name", description="Old text.")
    payload = await call(shop, UPDATE, "collectionUpdate", {
        "collectionId": created["id"], "name": "New Name", "slug": "new-name", "description": "",
        "isPublished": True})
    assert payload["userErrors"] == []
    assert {k: payload["collection"][k] for k in ("name", "slug", "description", "isPublished")} == {
        "name": "New Name", "slug": "new-name", "description": None, "isPublished": True}
    assert await audit_of(shop, created["id"], "collection.update") == [{
        "before": {"name": "Old Name", "slug": "old-name", "description": "Old text.", "isPublished": False},
        "after": {"name": "New Name", "slug": "new-name", "description": None, "isPublished": True}}]
    by_slug = await shop.client.data('{ collection(slug: "new-name") { name } }')
    assert by_slug["collection"] == {"name": "New Name"}


async def test_writes_replay_with_their_idempotency_key(shop: Shop) -> None:
    input = {"name": "Once", "isPublished": True, "productIds": [pid(shop, "tee")], "idempotencyKey": "coll-1"}
    first = await call(shop, CREATE, "collectionCreate", input)
    again = await call(shop, CREATE, "collectionCreate", input)
    assert first["userErrors"] == [] and again == first
    assert await collection_rows(shop) == 1
    reused = await call(shop, CREATE, "collectionCreate", {**input, "name": "Twice"})
    assert errors(reused) == [("IDEMPOTENCY_KEY_REUSED", ["input", "idempotencyKey"])]

    set_input = {"collectionId": first["collection"]["id"], "productIds": [pid(shop, "boots"), pid(shop, "tee")],
                 "idempotencyKey": "coll-set-1"}
    done = await call(shop, PRODUCTS_SET, "collectionProductsSet", set_input)
    replayed = await call(shop, PRODUCTS_SET, "collectionProductsSet", set_input)
    assert done["userErrors"] == [] and replayed == done
    assert slugs(replayed["collection"]["products"]) == ["boots", "tee"]
    assert len(await audit_of(shop, first["collection"]["id"], "collection.products_set")) == 1
    assert len(await audit_of(shop, first["collection"]["id"], "collection.create")) == 1
