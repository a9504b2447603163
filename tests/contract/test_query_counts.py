"""N+1 guards: the number of SQL statements of a page does not grow with its size."""

import pytest

from tests.support import factory
from tests.support.client import GraphQLClient

STOREFRONT_PAGE = """
query Page($first: Int!) {
  products(first: $first) {
    totalCount
    edges { node { id name price { amount } isAvailable category { name parent { name } }
                   variants { sku price { amount } quantityAvailable options { name value } } campaigns { name }
                   status channelListings { isPublished channel { slug } } collections { name }
                   media { url alt } options { name values } seo { title } } }
  }
}
"""

CATEGORY_TREE = """
query Tree($first: Int!) {
  categories(first: $first) {
    edges { node { name children { name } products(first: 3) { totalCount edges { node { name
            variants { quantityAvailable } } } } } }
  }
}
"""


COLLECTION_PAGE = """
query Collections($first: Int!) {
  collections(first: $first) {
    totalCount
    edges { node { name products(first: 10) { totalCount edges { node { name } } } } }
  }
}
"""


async def seed(client: GraphQLClient, products: int) -> None:
    """Products spread over categories; as many collections, each holding 12 of them (every fifth
    collection unpublished), so each product is in several."""
    db = client.db
    warehouse = await factory.make_warehouse(db, "MAIN")
    root = await factory.make_category(db, "Root")
    categories = [await factory.make_category(db, f"Leaf {i}", root) for i in range(5)]
    await factory.make_campaign(db, "Scoped", product_ids=[])
    ids = [await factory.make_product(db, f"Product {i:03d}", prices=("10.00", "12.00", "15.00"),
                                      category_id=categories[i % 5], stock={warehouse: i % 3})
           for i in range(products)]
    for i in range(products):
        await factory.make_collection(db, f"Collection {i:03d}", published=i % 5 != 4,
                                      product_ids=[ids[(i + k) % products] for k in range(12)])


async def statements_for(client: GraphQLClient, query: str, first: int) -> int:
    async with client.count_statements() as counter:
        data = await client.data(query, {"first": first})
    assert data
    return counter.count


@pytest.mark.parametrize("query", [STOREFRONT_PAGE, CATEGORY_TREE, COLLECTION_PAGE],
                         ids=["storefront", "category-tree", "collections"])
async def test_statement_count_is_the_same_for_5_and_100_items(client: GraphQLClient, query: str) -> None:
    await seed(client, 100)
    small = await statements_for(client, query, 5)
    large = await statements_for(client, query, 100)
    assert small == large, f"{small} statements for 5 items, {large} for 100"


async def test_storefront_page_takes_a_handful_of_statements(client: GraphQLClient) -> None:
    await seed(client, 20)
    async with client.count_statements() as counter:
        await client.data(STOREFRONT_PAGE, {"first": 20})
    # page, count, categories, parents, variants, quantities, availability, running campaigns (+ scope),
    # channel listings, channels, collections, media, product options, variant options
    assert counter.count <= 18, counter.statements


async def test_collection_page_takes_a_handful_of_statements(client: GraphQLClient) -> None:
    await seed(client, 20)
    async with client.count_statements() as counter:
        data = await client.data(COLLECTION_PAGE, {"first": 20})
    assert len(data["collections"]["edges"]) == 16  # every fifth collection is unpublished
    assert all(len(e["node"]["products"]["edges"]) == 10 for e in data["collections"]["edges"])
    # page, count, one page of products for every collection, their counts
    assert counter.count <= 4, counter.statements
