"""Storefront catalog: filters, sorts, keyset pages in both directions, relations, prices."""

from dataclasses import dataclass

import pytest
from sqlalchemy import update

from app.ids import encode_id
from models import Stock
from tests.support import factory
from tests.support.client import GraphQLClient

PRODUCTS = """
query Products($first: Int, $after: String, $last: Int, $before: String, $filter: ProductFilter,
               $sort: ProductSort) {
  products(first: $first, after: $after, last: $last, before: $before, filter: $filter, sort: $sort) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { name } }
  }
}
"""

PRODUCT_DETAIL = """
query Product($id: ID, $slug: String) {
  product(id: $id, slug: $slug) {
    id name slug isAvailable
    price { amount currency }
    category { name parent { name } }
    variants { sku price { amount } quantityAvailable product { name } }
    campaigns { name }
  }
}
"""


@dataclass
class Catalog:
    apparel: int
    tops: int
    tees: int
    footwear: int
    products: dict[str, int]
    warehouses: tuple[int, int]


async def build_catalog(client: GraphQLClient) -> Catalog:
    db = client.db
    east, west = await factory.make_warehouse(db, "EAST"), await factory.make_warehouse(db, "WEST")
    apparel = await factory.make_category(db, "Apparel")
    tops = await factory.make_category(db, "Tops", apparel)
    tees = await factory.make_category(db, "Tees", tops)
    footwear = await factory.make_category(db, "Footwear")
    spec = [  # name, prices, category, stock per warehouse
        ("Alpha Tee", ("10.00",), tees, {east: 5}),
        ("Bravo Hoodie", ("30.00",), tops, {east: 0}),
        ("Charlie Boot", ("50.00", "45.00"), footwear, {east: 1, west: 1}),
        ("Delta Sock", ("5.00",), None, {}),
        ("Echo Runner", ("80.00",), footwear, {west: 10}),
    ]
    products = {}
    for name, prices, category, stock in spec:
        products[name] = await factory.make_product(db, name, prices=prices, category_id=category, stock=stock)
    return Catalog(apparel, tops, tees, footwear, products, (east, west))


@pytest.fixture
async def catalog(client: GraphQLClient) -> Catalog:
    return await build_catalog(client)


def gid(type_name: str, pk: int) -> str:
    return encode_id(type_name, pk)


def names(data: dict) -> list[str]:
    return [edge["node"]["name"] for edge in data["products"]["edges"]]


async def list_names(client: GraphQLClient, **variables: object) -> list[str]:
    return names(await client.data(PRODUCTS, variables))


ALL = ["Alpha Tee", "Bravo Hoodie", "Charlie Boot", "Delta Sock", "Echo Runner"]


@pytest.mark.parametrize(("flt", "expected"), [
    ({"search": "tee"}, ["Alpha Tee"]),
    ({"search": "BOOT"}, ["Charlie Boot"]),
    ({"search": "about delta"}, ["Delta Sock"]),  # descriptions are searched too
    ({"search": "%"}, []),  # LIKE wildcards are literal
    ({"inStock": True}, ["Alpha Tee", "Charlie Boot", "Echo Runner"]),
    ({"inStock": False}, ["Bravo Hoodie", "Delta Sock"]),
    ({"minPrice": "30.00"}, ["Bravo Hoodie", "Charlie Boot", "Echo Runner"]),
    ({"maxPrice": "45.00"}, ["Alpha Tee", "Bravo Hoodie", "Charlie Boot", "Delta Sock"]),
    ({"minPrice": "10.00", "maxPrice": "30.00", "inStock": True}, ["Alpha Tee"]),
])
async def test_product_filters_narrow_the_list(client: GraphQLClient, catalog: Catalog, flt: dict,
                                               expected: list[str]) -> None:
    data = await client.data(PRODUCTS, {"filter": flt, "sort": {"field": "NAME", "direction": "ASC"}})
    assert names(data) == expected
    assert data["products"]["totalCount"] == len(expected)


async def test_category_filter_includes_every_subcategory(client: GraphQLClient, catalog: Catalog) -> None:
    sort = {"field": "NAME", "direction": "ASC"}
    assert await list_names(client, filter={"categoryId": gid("Category", catalog.apparel)}, sort=sort) == [
        "Alpha Tee", "Bravo Hoodie"]
    assert await list_names(client, filter={"categoryId": gid("Category", catalog.tees)}, sort=sort) == [
        "Alpha Tee"]
    assert await list_names(client, filter={"categoryId": gid("Category", 999)}, sort=sort) == []


async def test_campaign_filter_lists_what_the_campaign_covers(client: GraphQLClient, catalog: Catalog) -> None:
    scoped = await factory.make_campaign(client.db, "Boots week", product_ids=[catalog.products["Charlie Boot"]])
    everything = await factory.make_campaign(client.db, "Storewide")
    assert await list_names(client, filter={"campaignId": gid("Campaign", scoped)}) == ["Charlie Boot"]
    assert sorted(await list_names(client, filter={"campaignId": gid("Campaign", everything)})) == ALL


@pytest.mark.parametrize(("field", "direction", "expected"), [
    ("NAME", "ASC", ALL),
    ("NAME", "DESC", ALL[::-1]),
    ("PRICE", "ASC", ["Delta Sock", "Alpha Tee", "Bravo Hoodie", "Charlie Boot", "Echo Runner"]),
    ("PRICE", "DESC", ["Echo Runner", "Charlie Boot", "Bravo Hoodie", "Alpha Tee", "Delta Sock"]),
    ("CREATED_AT", "ASC", ALL),
    ("CREATED_AT", "DESC", ALL[::-1]),
])
async def test_products_sort_by_each_field_both_ways(client: GraphQLClient, catalog: Catalog, field: str,
                                                      direction: str, expected: list[str]) -> None:
    assert await list_names(client, sort={"field": field, "direction": direction}) == expected


@pytest.mark.parametrize("sort", [{"field": "NAME", "direction": "ASC"}, {"field": "PRICE", "direction": "DESC"},
                                  {"field": "CREATED_AT", "direction": "ASC"}])
async def test_forward_pages_walk_the_whole_list_once(client: GraphQLClient, catalog: Catalog,
                                                      sort: dict) -> None:
    expected = await list_names(client, sort=sort, first=100)
    seen, after, flags = [], None, []
    while True:
        data = (await client.data(PRODUCTS, {"first": 2, "after": after, "sort": sort}))["products"]
        seen += [e["node"]["name"] for e in data["edges"]]
        flags.append((data["pageInfo"]["hasPreviousPage"], data["pageInfo"]["hasNextPage"]))
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert seen == expected
    assert flags == [(False, True), (True, True), (True, False)]


async def test_backward_pages_walk_the_list_from_the_end(client: GraphQLClient, catalog: Catalog) -> None:
    sort = {"field": "NAME", "direction": "ASC"}
    pages, before = [], None
    while True:
        data = (await client.data(PRODUCTS, {"last": 2, "before": before, "sort": sort}))["products"]
        pages.append([e["node"]["name"] for e in data["edges"]])
        if not data["pageInfo"]["hasPreviousPage"]:
            break
        assert data["pageInfo"]["hasNextPage"] is (before is not None)
        before = data["pageInfo"]["startCursor"]
    assert pages == [["Delta Sock", "Echo Runner"], ["Bravo Hoodie", "Charlie Boot"], ["Alpha Tee"]]


async def test_cursor_stays_stable_when_products_are_inserted_before_it(client: GraphQLClient,
                                                                         catalog: Catalog) -> None:
    sort = {"field": "NAME", "direction": "ASC"}
    first_page = (await client.data(PRODUCTS, {"first": 2, "sort": sort}))["products"]
    await factory.make_product(client.db, "Aaron Cap")  # sorts before the cursor
    await factory.make_product(client.db, "Zulu Bag")  # sorts after everything
    rest = await list_names(client, first=10, after=first_page["pageInfo"]["endCursor"], sort=sort)
    assert rest == ["Charlie Boot", "Delta Sock", "Echo Runner", "Zulu Bag"]


async def test_cursor_of_another_sort_order_is_refused(client: GraphQLClient, catalog: Catalog) -> None:
    page = (await client.data(PRODUCTS, {"first": 1, "sort": {"field": "NAME", "direction": "ASC"}}))["products"]
    body = await client.gql(PRODUCTS, {"first": 1, "after": page["pageInfo"]["endCursor"],
                                       "sort": {"field": "PRICE", "direction": "ASC"}})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_PAGINATION"


@pytest.mark.parametrize(("variables", "message"), [
    ({"first": 101}, "between 0 and 100"),
    ({"first": -1}, "between 0 and 100"),
    ({"last": 500}, "between 0 and 100"),
    ({"first": 1, "last": 1}, "not both"),
    ({"first": 1, "after": "not-a-cursor"}, "not valid"),
    ({"first": 1, "before": "x"}, "before with last"),
])
async def test_bad_page_arguments_are_readable_errors(client: GraphQLClient, variables: dict,
                                                      message: str) -> None:
    body = await client.gql(PRODUCTS, variables)
    assert body["data"] is None
    assert message in body["errors"][0]["message"]


async def test_first_zero_returns_an_empty_page_with_the_total(client: GraphQLClient, catalog: Catalog) -> None:
    data = (await client.data(PRODUCTS, {"first": 0}))["products"]
    assert data["edges"] == [] and data["totalCount"] == 5 and data["pageInfo"]["hasNextPage"] is True


async def test_product_by_id_and_slug_with_relations(client: GraphQLClient, catalog: Catalog) -> None:
    await client.db.write_engine.dispose()  # nothing cached between writes and reads
    by_id = await client.data(PRODUCT_DETAIL, {"id": gid("Product", catalog.products["Charlie Boot"])})
    by_slug = await client.data(PRODUCT_DETAIL, {"slug": "charlie-boot"})
    product = by_id["product"]
    assert product == by_slug["product"]
    assert product["price"] == {"amount": "45.00", "currency": "USD"}
    assert product["category"] == {"name": "Footwear", "parent": None}
    assert [v["price"]["amount"] for v in product["variants"]] == ["50.00", "45.00"]
    assert [v["quantityAvailable"] for v in product["variants"]] == [2, 2]
    assert product["isAvailable"] is True
    assert product["variants"][0]["product"]["name"] == "Charlie Boot"


async def test_unknown_product_is_null_and_no_argument_is_an_error(client: GraphQLClient) -> None:
    assert (await client.data(PRODUCT_DETAIL, {"id": gid("Product", 404)}))["product"] is None
    assert (await client.data(PRODUCT_DETAIL, {"id": "garbage"}))["product"] is None
    assert (await client.data(PRODUCT_DETAIL, {"slug": "nope"}))["product"] is None
    body = await client.gql(PRODUCT_DETAIL, {})
    assert body["errors"][0]["message"] == "Pass id or slug."


async def test_quantity_available_is_on_hand_minus_allocated_over_warehouses(client: GraphQLClient,
                                                                             catalog: Catalog) -> None:
    east, _ = catalog.warehouses
    async with client.db.write_engine.begin() as conn:
        await conn.execute(update(Stock).where(Stock.warehouse_id == east).values(allocated=Stock.on_hand))
    product = (await client.data(PRODUCT_DETAIL, {"slug": "charlie-boot"}))["product"]
    assert [v["quantityAvailable"] for v in product["variants"]] == [1, 1]
    tee = (await client.data(PRODUCT_DETAIL, {"slug": "alpha-tee"}))["product"]
    assert tee["isAvailable"] is False and tee["variants"][0]["quantityAvailable"] == 0


async def test_price_shows_the_best_automatic_percentage_campaign(client: GraphQLClient,
                                                                  catalog: Catalog) -> None:
    boot = catalog.products["Charlie Boot"]
    await factory.make_campaign(client.db, "Ten off", percent="10")
    await factory.make_campaign(client.db, "Boots 25", percent="25", product_ids=[boot])
    await factory.make_campaign(client.db, "Code only", percent="50", code="HALF")
    await factory.make_campaign(client.db, "Draft", percent="90", status="DRAFT")
    await factory.make_campaign(client.db, "Paused", percent="90", status="PAUSED")
    boot_data = (await client.data(PRODUCT_DETAIL, {"slug": "charlie-boot"}))["product"]
    assert boot_data["price"]["amount"] == "33.75"  # 45.00 - 25%
    assert sorted(c["name"] for c in boot_data["campaigns"]) == ["Boots 25", "Code only", "Ten off"]
    tee = (await client.data(PRODUCT_DETAIL, {"slug": "alpha-tee"}))["product"]
    assert tee["price"]["amount"] == "9.00"


async def test_channel_scoped_campaign_prices_only_on_its_channel(client: GraphQLClient,
                                                                  catalog: Catalog) -> None:
    await factory.make_channel(client.db, "web")
    await factory.make_channel(client.db, "mobile")
    await factory.make_campaign(client.db, "App only", percent="20", channels=["mobile"])
    query = PRODUCT_DETAIL
    on_mobile = await client.data(query, {"slug": "alpha-tee"}, headers={"X-Channel": "mobile"})
    on_web = await client.data(query, {"slug": "alpha-tee"}, headers={"X-Channel": "web"})
    no_channel = await client.data(query, {"slug": "alpha-tee"})
    assert on_mobile["product"]["price"]["amount"] == "8.00"
    assert on_web["product"]["price"]["amount"] == no_channel["product"]["price"]["amount"] == "10.00"


CATEGORIES = """
query Categories($rootsOnly: Boolean, $first: Int, $after: String) {
  categories(rootsOnly: $rootsOnly, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { name parent { name } children { name }
                   products(first: 10) { totalCount edges { node { name } } } } }
  }
}
"""


async def test_categories_with_tree_and_products_of_subcategories(client: GraphQLClient,
                                                                  catalog: Catalog) -> None:
    roots = (await client.data(CATEGORIES, {"rootsOnly": True}))["categories"]
    assert roots["totalCount"] == 2
    apparel, footwear = (e["node"] for e in roots["edges"])
    assert apparel["name"] == "Apparel" and apparel["parent"] is None
    assert apparel["children"] == [{"name": "Tops"}]
    assert [e["node"]["name"] for e in apparel["products"]["edges"]] == ["Alpha Tee", "Bravo Hoodie"]
    assert apparel["products"]["totalCount"] == 2
    assert [e["node"]["name"] for e in footwear["products"]["edges"]] == ["Charlie Boot", "Echo Runner"]
    everything = (await client.data(CATEGORIES, {"first": 3}))["categories"]
    assert everything["totalCount"] == 4 and everything["pageInfo"]["hasNextPage"] is True
    rest = (await client.data(CATEGORIES, {"first": 3, "after": everything["pageInfo"]["endCursor"]}))
    assert [e["node"]["name"] for e in rest["categories"]["edges"]] == ["Tops"]


NESTED_PRODUCTS = """
query Category($slug: String, $first: Int, $after: String, $last: Int, $before: String) {
  category(slug: $slug) {
    name
    products(first: $first, after: $after, last: $last, before: $before) {
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { node { name } }
    }
  }
}
"""


async def test_category_products_page_in_both_directions(client: GraphQLClient, catalog: Catalog) -> None:
    for name in ("Golf Tee", "Hotel Tee", "India Tee"):
        await factory.make_product(client.db, name, category_id=catalog.tees)
    first = (await client.data(NESTED_PRODUCTS, {"slug": "apparel", "first": 2}))["category"]["products"]
    assert [e["node"]["name"] for e in first["edges"]] == ["Alpha Tee", "Bravo Hoodie"]
    second = (await client.data(NESTED_PRODUCTS, {"slug": "apparel", "first": 2,
                                                  "after": first["pageInfo"]["endCursor"]}))
    page = second["category"]["products"]
    assert [e["node"]["name"] for e in page["edges"]] == ["Golf Tee", "Hotel Tee"]
    assert page["pageInfo"]["hasNextPage"] is True
    back = (await client.data(NESTED_PRODUCTS, {"slug": "apparel", "last": 2,
                                                "before": page["pageInfo"]["startCursor"]}))
    assert [e["node"]["name"] for e in back["category"]["products"]["edges"]] == ["Alpha Tee", "Bravo Hoodie"]


CAMPAIGNS = """
query Campaigns($status: CampaignStatus) {
  campaigns(first: 10, status: $status) {
    totalCount
    edges { node { id name code status discountType discountValue timesUsed
                   channels { slug } products(first: 5) { totalCount edges { node { name } } } } }
  }
}
"""


async def test_campaigns_list_newest_first_with_scope(client: GraphQLClient, catalog: Catalog) -> None:
    await factory.make_channel(client.db, "web")
    await factory.make_campaign(client.db, "Old", status="DRAFT")
    newest = await factory.make_campaign(client.db, "Boots", code="boots10", channels=["web"],
                                         product_ids=[catalog.products["Echo Runner"]])
    merchandiser = client.token_for(await factory.make_user(client.db, "merch@example.com",
                                                            factory.Role.MERCHANDISER))
    data = (await client.data(CAMPAIGNS, token=merchandiser))["campaigns"]
    assert [e["node"]["name"] for e in data["edges"]] == ["Boots", "Old"]
    boots = data["edges"][0]["node"]
    assert boots["code"] == "BOOTS10" and boots["status"] == "ACTIVE" and boots["discountValue"] == "10.00"
    assert boots["channels"] == [{"slug": "web"}]
    assert boots["products"] == {"totalCount": 1, "edges": [{"node": {"name": "Echo Runner"}}]}
    assert data["edges"][1]["node"]["products"]["totalCount"] == 5  # no scope: the whole catalog
    drafts = (await client.data(CAMPAIGNS, {"status": "DRAFT"}, token=merchandiser))["campaigns"]
    assert [e["node"]["name"] for e in drafts["edges"]] == ["Old"]
    shoppers = (await client.data(CAMPAIGNS))["campaigns"]  # a DRAFT campaign is unreleased
    assert ([e["node"]["name"] for e in shoppers["edges"]], shoppers["totalCount"]) == (["Boots"], 1)
    assert (await client.data(CAMPAIGNS, {"status": "DRAFT"}))["campaigns"] == {"totalCount": 0, "edges": []}
    one = await client.data("query($id: ID!) { campaign(id: $id) { name } }", {"id": gid("Campaign", newest)})
    assert one["campaign"] == {"name": "Boots"}


NODE = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Product { name } ... on Category { name } } }"


async def test_nodes_resolve_catalog_objects_and_null_for_unknown_ids(client: GraphQLClient,
                                                                      catalog: Catalog) -> None:
    ids = [gid("Product", catalog.products["Alpha Tee"]), gid("Category", catalog.tees), gid("Product", 999),
           "not-an-id", gid("Warehouse", catalog.warehouses[0])]
    data = await client.data(NODE, {"ids": ids})
    assert data["nodes"][0] == {"__typename": "Product", "id": ids[0], "name": "Alpha Tee"}
    assert data["nodes"][1] == {"__typename": "Category", "id": ids[1], "name": "Tees"}
    assert data["nodes"][2:] == [None, None, None]  # warehouses are for staff only


async def test_channels_are_public(client: GraphQLClient) -> None:
    await factory.make_channel(client.db, "web")
    data = await client.data("{ channels { slug name currency } }")
    assert data["channels"] == [{"slug": "web", "name": "Web", "currency": "USD"}]
