from tests.support import factory
from tests.support.client import GraphQLClient


async def test_product_page_lists_a_created_product(client: GraphQLClient) -> None:
    await factory.make_product(client.db, "Trail Runner", prices=("59.90",))
    data = await client.data("{ products(first: 5) { totalCount edges { node { name price { amount } } } } }")
    assert data["products"]["totalCount"] == 1
    assert data["products"]["edges"][0]["node"] == {"name": "Trail Runner", "price": {"amount": "59.90"}}
