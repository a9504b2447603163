"""N+1 guards: the number of SQL statements of a page does not grow with its size."""

import pytest

from tests.support import factory
from tests.support.client import GraphQLClient

STOREFRONT_PAGE = """
query Page($first: Int!) {
  products(first: $first) {
    totalCount
    edges { node { id name price { amount } isAvailable category { name parent { name } }
                   variants { sku price { amount } quantityAvailable } campaigns { name }
                   status channelListings { isPublished channel { slug } } } }
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


async def seed(client: GraphQLClient, products: int) -> None:
    db = client.db
    warehouse = await factory.make_warehouse(db, "MAIN")
    root = await factory.make_category(db, "Root")
    categories = [await factory.make_category(db, f"Leaf {i}", root) for i in range(5)]
    await factory.make_campaign(db, "Scoped", product_ids=[])
    for i in range(products):
        await factory.make_product(db, f"Product {i:03d}", prices=("10.00", "12.00", "15.00"),
                                   category_id=categories[i % 5], stock={warehouse: i % 3})


async def statements_for(client: GraphQLClient, query: str, first: int) -> int:
    async with client.count_statements() as counter:
        data = await client.data(query, {"first": first})
    assert data
    return counter.count


@pytest.mark.parametrize("query", [STOREFRONT_PAGE, CATEGORY_TREE], ids=["storefront", "category-tree"])
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
    # channel listings, channels
    assert counter.count <= 14, counter.statements
