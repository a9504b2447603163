"""Product status and channel publishing: shoppers see ACTIVE products published on their channel,
on every path; staff see everything; carts holding an unsellable product cannot check out; orders
keep their lines."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from app.ids import encode_id
from app.policy.permissions import Role
from tests.support.client import GraphQLClient
from tests.support.shop import Shop, build_shop

UPDATE = """mutation($input: ProductUpdateInput!) { productUpdate(input: $input) {
  product { id status channelListings { channel { slug } isPublished availableForPurchaseAt } }
  userErrors { code message field } } }"""
EVERY_PATH = """query($id: ID!, $slug: String!, $category: ID!, $campaign: ID!) {
  products(first: 50) { edges { node { slug } } totalCount }
  product(id: $id) { slug }
  bySlug: product(slug: $slug) { slug }
  node(id: $id) { id }
  category(id: $category) { products(first: 50) { edges { node { slug } } totalCount } }
  campaign(id: $campaign) { products(first: 50) { edges { node { slug } } totalCount } }
}"""
STAFF_LIST = """query($status: [ProductStatus!]) { products(first: 50, filter: {status: $status}) {
  edges { node { slug status } } } }"""
ORDER_LINES = "query($id: ID!) { order(id: $id) { lines { sku variant { product { slug status } } } } }"
CART = "query($id: ID!) { cart(id: $id) { problems { code message field } } }"


@pytest.fixture
async def shop(client: GraphQLClient) -> Shop:
    return await build_shop(client)


@pytest.fixture
async def catalog_ids(shop: Shop) -> dict[str, str]:
    """The tee's category and an automatic whole-catalog campaign, for the nested lists."""
    from app.domain.campaigns import DiscountType
    from app.domain.states import CampaignStatus
    from app.services import campaigns, catalog
    from tests.support.factory import uow

    db = shop.client.db
    async with uow(db) as work:
        category = await catalog.create_category(uow=work, name="Tops", slug="tops", description=None, parent_id=None)
    token = await shop.token("merch@example.com", Role.MERCHANDISER)
    for name in ("tee", "boots", "socks"):
        await shop.client.data(UPDATE, {"input": {"productId": encode_id("Product", shop.products[name]),
                                                  "categoryId": encode_id("Category", category.id)}}, token=token)
    async with uow(db) as work:
        campaign = await campaigns.create_campaign(uow=work, name="All", code=None, discount_type=DiscountType.PERCENTAGE,
                                                   discount_value=Decimal(10), starts_at=None, ends_at=None,
                                                   min_subtotal=None, usage_limit=None, channels=None, product_ids=None)
    async with uow(db) as work:
        await campaigns.update_campaign_status(uow=work, campaign_id=campaign.id, status=CampaignStatus.ACTIVE)
    return {"category": encode_id("Category", category.id), "campaign": encode_id("Campaign", campaign.id)}


async def update(shop: Shop, name: str, **fields: Any) -> dict[str, Any]:
    token = await shop.token("merch@example.com", Role.MERCHANDISER)
    data = await shop.client.data(UPDATE, {"input": {"productId": encode_id("Product", shop.products[name]),
                                                     **fields}}, token=token)
    return data["productUpdate"]  # type: ignore[no-any-return]


async def seen(shop: Shop, ids: dict[str, str], name: str, *, headers: dict[str, str] | None = None,
               token: str | None = None) -> dict[str, Any]:
    body = await shop.client.gql(EVERY_PATH, {"id": encode_id("Product", shop.products[name]), "slug": name,
                                              "category": ids["category"], "campaign": ids["campaign"]},
                                 headers=headers, token=token)
    assert not body.get("errors"), body["errors"]
    data = body["data"]
    return {
        "list": name in [e["node"]["slug"] for e in data["products"]["edges"]],
        "id": data["product"] is not None, "slug": data["bySlug"] is not None, "node": data["node"] is not None,
        "category": name in [e["node"]["slug"] for e in data["category"]["products"]["edges"]],
        "campaign": name in [e["node"]["slug"] for e in data["campaign"]["products"]["edges"]],
        "counts": (data["products"]["totalCount"], data["category"]["products"]["totalCount"],
                   data["campaign"]["products"]["totalCount"]),
    }


EVERYWHERE = {"list": True, "id": True, "slug": True, "node": True, "category": True, "campaign": True}
NOWHERE = dict.fromkeys(EVERYWHERE, False)


def paths(found: dict[str, Any]) -> dict[str, bool]:
    return {k: v for k, v in found.items() if k != "counts"}


async def test_an_archived_product_leaves_every_shopper_path_but_not_staff_nor_order_history(
        shop: Shop, catalog_ids: dict[str, str]) -> None:
    ann = await shop.token("ann@example.com", Role.CUSTOMER)
    order = await shop.order({"TEE-0": 1}, key="before-archive", token=ann)
    assert paths(await seen(shop, catalog_ids, "tee")) == EVERYWHERE

    archived = await update(shop, "tee", status="ARCHIVED")
    assert archived["userErrors"] == [] and archived["product"]["status"] == "ARCHIVED"

    for viewer in (None, ann):
        found = await seen(shop, catalog_ids, "tee", token=viewer)
        assert paths(found) == NOWHERE
        assert found["counts"] == (2, 2, 2)  # the boots and the socks
    merchandiser = await shop.token("merch@example.com", Role.MERCHANDISER)
    assert paths(await seen(shop, catalog_ids, "tee", token=merchandiser)) == EVERYWHERE
    staff = await shop.client.data(STAFF_LIST, {"status": ["ARCHIVED"]}, token=merchandiser)
    assert staff["products"]["edges"] == [{"node": {"slug": "tee", "status": "ARCHIVED"}}]
    shopper_filter = await shop.client.data(STAFF_LIST, {"status": ["ARCHIVED"]}, token=ann)
    assert [e["node"]["slug"] for e in shopper_filter["products"]["edges"]] == ["boots", "socks"]
    lines = (await shop.client.data(ORDER_LINES, {"id": order["id"]}, token=ann))["order"]["lines"]
    assert lines == [{"sku": "TEE-0", "variant": {"product": {"slug": "tee", "status": "ARCHIVED"}}}]

    back = await update(shop, "tee", status="ACTIVE")
    assert back["userErrors"] == []
    assert paths(await seen(shop, catalog_ids, "tee")) == EVERYWHERE


async def test_a_product_unpublished_on_one_channel_shows_on_the_others(
        shop: Shop, catalog_ids: dict[str, str]) -> None:
    hidden = await update(shop, "boots", channelListings=[{"channel": "web", "isPublished": False}])
    assert hidden["userErrors"] == []
    listings = {li["channel"]["slug"]: li["isPublished"] for li in hidden["product"]["channelListings"]}
    assert listings == {"web": False, "mobile": True}

    assert paths(await seen(shop, catalog_ids, "boots", headers={"X-Channel": "web"})) == NOWHERE
    assert paths(await seen(shop, catalog_ids, "boots")) == NOWHERE  # no X-Channel: the first channel, web
    assert paths(await seen(shop, catalog_ids, "boots", headers={"X-Channel": "mobile"})) == EVERYWHERE
    shopper = await shop.client.data("query($id: ID!) { product(id: $id) { channelListings { channel { slug } } } }",
                                     {"id": encode_id("Product", shop.products["boots"])},
                                     headers={"X-Channel": "mobile"})
    assert shopper["product"]["channelListings"] == [{"channel": {"slug": "mobile"}}]


async def test_a_cart_holding_a_product_that_became_unsellable_shows_a_problem_and_cannot_check_out(
        shop: Shop) -> None:
    cart_id = await shop.ready_cart({"TEE-0": 1, "BOOTS-0": 1})
    assert (await shop.client.data(CART, {"id": cart_id}))["cart"]["problems"] == []

    await update(shop, "boots", status="ARCHIVED")
    problems = (await shop.client.data(CART, {"id": cart_id}))["cart"]["problems"]
    assert problems == [{"code": "PRODUCT_UNAVAILABLE", "field": ["lines", "1"],
                         "message": "Boots / Variant 0 is no longer sold here; remove it to check out."}]
    refused = await shop.checkout(cart_id, key="archived")
    assert refused["order"] is None
    assert [e["code"] for e in refused["userErrors"]] == ["PRODUCT_UNAVAILABLE"]

    await update(shop, "boots", status="ACTIVE")
    assert (await shop.checkout(cart_id, key="active-again"))["userErrors"] == []


async def test_a_product_not_yet_available_for_purchase_shows_but_cannot_be_bought(shop: Shop) -> None:
    later = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    await update(shop, "tee", channelListings=[{"channel": "web", "isPublished": True,
                                                "availableForPurchaseAt": later.isoformat()}])
    shown = await shop.client.data("query($id: ID!) { product(id: $id) { slug } }",
                                   {"id": encode_id("Product", shop.products["tee"])}, headers={"X-Channel": "web"})
    assert shown["product"] == {"slug": "tee"}
    cart_id = await shop.ready_cart({"TEE-0": 1})
    problems = (await shop.client.data(CART, {"id": cart_id}))["cart"]["problems"]
    assert [p["code"] for p in problems] == ["PRODUCT_UNAVAILABLE"]


async def test_status_moves_follow_the_table_and_a_draft_is_never_shown(shop: Shop) -> None:
    assert (await update(shop, "socks", status="DRAFT"))["userErrors"] == [
        {"code": "INVALID_TRANSITION", "field": ["input", "status"],
         "message": "A product cannot move from ACTIVE to DRAFT (allowed next: ARCHIVED)."}]
    merchandiser = await shop.token("merch@example.com", Role.MERCHANDISER)
    created = await shop.client.data("""mutation($input: ProductCreateInput!) { productCreate(input: $input) {
        product { id status } userErrors { code message } } }""", {"input": {
        "name": "Scarf", "status": "DRAFT", "variants": [{"sku": "SCARF-1", "name": "One size", "price": "12.00"}]}},
        token=merchandiser)
    scarf = created["productCreate"]["product"]
    assert scarf["status"] == "DRAFT"
    assert (await shop.client.data("query($id: ID!) { product(id: $id) { id } }", {"id": scarf["id"]}))["product"] \
        is None
    assert (await shop.client.data("query($id: ID!) { product(id: $id) { id } }", {"id": scarf["id"]},
                                   token=merchandiser))["product"] == {"id": scarf["id"]}


async def test_listings_name_known_channels_once(shop: Shop) -> None:
    refused = await update(shop, "tee", channelListings=[{"channel": "web", "isPublished": False},
                                                         {"channel": "web", "isPublished": True},
                                                         {"channel": "moon", "isPublished": True}])
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
        ("INVALID", ["input", "channelListings", "1", "channel"]),
        ("NOT_FOUND", ["input", "channelListings", "2", "channel"])]


async def test_the_response_cache_never_serves_a_product_after_it_is_archived(shop: Shop) -> None:
    query = "query { products(first: 10) { edges { node { slug } } } }"

    async def anonymous() -> tuple[list[str], str | None]:
        response = await shop.client.post(query)
        return ([e["node"]["slug"] for e in response.json()["data"]["products"]["edges"]],
                response.headers.get("x-cache"))

    assert (await anonymous())[0] == ["tee", "boots", "socks"]
    assert await anonymous() == (["tee", "boots", "socks"], "hit")
    await update(shop, "tee", status="ARCHIVED")
    assert (await anonymous())[0] == ["boots", "socks"]
