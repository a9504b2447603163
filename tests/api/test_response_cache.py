"""The response cache serves repeated anonymous catalog reads, and never a stale or private one."""

from app.policy.permissions import Role
from tests.support import factory
from tests.support.client import GraphQLClient

PAGE = "query($first: Int!) { products(first: $first) { edges { node { name variants { quantityAvailable } } } } }"
STOCK_SET = """mutation($i: StockSetInput!) { stockSet(input: $i) { userErrors { code } } }"""


async def page(client: GraphQLClient, *, token: str | None = None, first: int = 5) -> tuple[str | None, dict]:
    response = await client.post(PAGE, {"first": first}, token=token)
    assert response.status_code == 200
    return response.headers.get("x-cache"), response.json()


async def test_a_repeated_anonymous_catalog_read_is_served_from_the_cache(client: GraphQLClient) -> None:
    await factory.make_product(client.db, "Tee")
    first = await page(client)
    again = await page(client)
    assert (first[0], again[0]) == (None, "hit")
    assert again[1] == first[1]
    assert (await page(client, first=6))[0] is None  # other variables: another entry


async def test_a_write_through_this_process_is_never_followed_by_a_stale_read(client: GraphQLClient) -> None:
    warehouse = await factory.make_warehouse(client.db, "MAIN")
    await factory.make_product(client.db, "Tee", stock={warehouse: 3})
    before = (await page(client))[1]
    assert before["data"]["products"]["edges"][0]["node"]["variants"][0]["quantityAvailable"] == 3
    admin = await factory.make_user(client.db, "admin@example.com", Role.ADMIN)
    variant = "UHJvZHVjdFZhcmlhbnQ6MQ"
    result = await client.data(STOCK_SET, {"i": {"variantId": variant, "warehouseId": "V2FyZWhvdXNlOjE",
                                                 "quantity": 7, "reason": "count"}}, token=client.token_for(admin))
    assert result["stockSet"]["userErrors"] == []
    cache, after = await page(client)
    assert cache is None
    assert after["data"]["products"]["edges"][0]["node"]["variants"][0]["quantityAvailable"] == 7


async def test_signed_in_and_private_reads_are_never_cached(client: GraphQLClient) -> None:
    await factory.make_product(client.db, "Tee")
    customer = await factory.make_user(client.db, "ann@example.com", Role.CUSTOMER)
    token = client.token_for(customer)
    assert [(await page(client, token=token))[0] for _ in range(2)] == [None, None]
    me = "{ me { email } channels { slug } }"
    for _ in range(2):
        response = await client.post(me)
        assert response.headers.get("x-cache") is None


async def test_mutations_and_errors_are_never_cached(client: GraphQLClient) -> None:
    bad = "{ products(first: 500) { totalCount } }"
    for _ in range(2):
        response = await client.post(bad)
        assert response.headers.get("x-cache") is None and response.json()["errors"]
