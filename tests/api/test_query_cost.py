"""Query cost and document limits: fragment fan-out, nested connections, per-client budgets, the
execution timeout, and a code on every GraphQL error."""

import asyncio
from typing import Any

import pytest

from app.pagination import Listing
from app.settings import Settings
from tests.support import factory
from tests.support.client import GraphQLClient, running_client


def fragment_fan_out(levels: int) -> str:
    """Each fragment spreads the next one twice: 2**levels copies of the last one when expanded."""
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    fragments.append(f"fragment F{levels} on Query {{ channels {{ slug }} }}")
    return "query { ...F0 }\n" + "\n".join(fragments)



def products_in_categories(levels: int, alias: str = "") -> str:
    """products(first: 100) > category > products(first: 100) > ... `levels` connections deep."""
    inner = "name"
    for _ in range(levels - 1):
        inner = f"name category {{ products(first: 100) {{ edges {{ node {{ {inner} }} }} }} }}"
    return f"{alias}products(first: 100) {{ edges {{ node {{ {inner} }} }} }}"


PRODUCTS_IN_CATEGORIES_THREE_DEEP = "{ " + products_in_categories(3) + " }"
THREE_ALIASES = "{ " + " ".join(products_in_categories(3, f"a{i}: ") for i in range(3)) + " }"

PAGE_OF_NAMES = "query($n: Int) { products(first: $n) { edges { node { name } } } }"


def cost(body: dict[str, Any]) -> dict[str, int]:
    return body["extensions"]["cost"]  # type: ignore[no-any-return]


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors") or ()]


@pytest.mark.parametrize("levels", [21, 41])
async def test_fragment_fan_out_is_refused_before_the_limiters_walk_it(client: GraphQLClient, levels: int) -> None:
    # Expanded, 41 levels is 2**41 copies: walking it without memoising never ends (the suite's
    # timeout fails the test). How fast the refusal is, bench/abuse.py measures.
    body = await client.gql(fragment_fan_out(levels))
    assert codes(body) == ["QUERY_TOO_COMPLEX"]
    assert body["data"] is None and cost(body)["requested"] == 0


async def test_a_fragment_spread_a_few_times_is_fine(client: GraphQLClient) -> None:
    body = await client.gql(fragment_fan_out(4))
    assert "errors" not in body and body["data"] == {"channels": []}


@pytest.mark.parametrize("query", [PRODUCTS_IN_CATEGORIES_THREE_DEEP, THREE_ALIASES], ids=["one", "three-aliases"])
async def test_nested_product_connections_are_refused_before_any_sql(client: GraphQLClient, query: str) -> None:
    category = await factory.make_category(client.db, "Shoes")
    await factory.make_product(client.db, "Trail Runner", category_id=category)
    async with client.count_statements() as statements:
        body = await client.gql(query)
    assert statements.count == 0, statements.statements
    assert codes(body) == ["QUERY_TOO_EXPENSIVE"] and body["data"] is None
    assert cost(body)["requested"] > cost(body)["limit"] == client.settings.max_query_cost


async def test_every_response_reports_its_cost(client: GraphQLClient) -> None:
    await factory.make_product(client.db, "Trail Runner")
    # products 1 + edges 1 + per product (node 1 + name 1)
    assert cost(await client.gql(PAGE_OF_NAMES, {"n": 5})) == {"requested": 12, "limit": 50_000}
    assert cost(await client.gql(PAGE_OF_NAMES, {"n": 50}))["requested"] == 102
    assert cost(await client.gql(PAGE_OF_NAMES))["requested"] == 2 + 20 * 2  # the default page size
    with_default = "query($n: Int = 7) { products(first: $n) { edges { node { name } } } }"
    assert cost(await client.gql(with_default))["requested"] == 16
    nested = ("{ products(first: 10) { totalCount edges { node { name category { "
              "products(first: 10) { edges { node { name } } } } } } } }")
    # 1 + totalCount 1 + edges 1 + 10 * (node, name, category, products, edges + 10 * (node, name))
    assert cost(await client.gql(nested))["requested"] == 3 + 10 * (5 + 10 * 2)
    for refused in ("{ products( }", "{ nope }", PRODUCTS_IN_CATEGORIES_THREE_DEEP):
        assert cost(await client.gql(refused))["limit"] == 50_000


async def test_the_cost_limit_is_a_setting(settings: Settings) -> None:
    async with running_client(settings.model_copy(update={"max_query_cost": 20})) as client:
        assert codes(await client.gql(PAGE_OF_NAMES, {"n": 10})) == ["QUERY_TOO_EXPENSIVE"]
        ok = await client.gql(PAGE_OF_NAMES, {"n": 5})
        assert "errors" not in ok and cost(ok) == {"requested": 12, "limit": 20}


async def test_a_client_spending_its_budget_is_rate_limited(settings: Settings) -> None:
    budget = settings.model_copy(update={"client_cost_per_minute": 100, "max_query_cost": 100,
                                         "response_cache_seconds": 0})
    async with running_client(budget) as client:
        for _ in range(2):
            assert "errors" not in await client.gql(PAGE_OF_NAMES)  # 42 each
        refused = await client.gql(PAGE_OF_NAMES)
        assert codes(refused) == ["RATE_LIMITED"] and refused["data"] is None
        assert refused["errors"][0]["extensions"]["retryAfter"] >= 1
        assert "errors" not in await client.gql(PAGE_OF_NAMES, {"n": 5})  # 12 still fits
        # A signed-in user has a budget of their own.
        user = await factory.make_user(client.db, "shopper@example.com", factory.Role.CUSTOMER)
        assert "errors" not in await client.gql(PAGE_OF_NAMES, token=client.token_for(user))


async def test_a_query_running_past_the_timeout_is_stopped_with_a_code(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    never = asyncio.Event()

    async def stuck(*args: object, **kwargs: object) -> None:
        await never.wait()

    monkeypatch.setattr(Listing, "page", stuck)
    async with running_client(settings.model_copy(update={"query_timeout_seconds": 0.2})) as client:
        body = await client.gql("{ products(first: 1) { totalCount } }")
    assert codes(body) == ["QUERY_TIMEOUT"] and body["data"] is None
    assert cost(body)["requested"] == 2


async def test_every_error_carries_a_code(client: GraphQLClient, monkeypatch: pytest.MonkeyPatch) -> None:
    assert codes(await client.gql("{ products( }")) == ["GRAPHQL_PARSE_FAILED"]
    assert codes(await client.gql("{ channels { nope } }")) == ["GRAPHQL_VALIDATION_FAILED"]
    assert codes(await client.gql(PAGE_OF_NAMES, {"n": "many"})) == ["BAD_USER_INPUT"]
    assert codes(await client.gql("query($n: Int!) { products(first: $n) { totalCount } }")) == ["BAD_USER_INPUT"]
    assert codes(await client.gql(PAGE_OF_NAMES, {"n": 101})) == ["INVALID_PAGINATION"]
    deep = "{ category(slug: \"x\") { " + "parent { " * 20 + "name" + " }" * 20 + " } }"
    assert codes(await client.gql(deep)) == ["QUERY_TOO_DEEP"]
    aliases = "{ " + " ".join(f"a{i}: channels {{ slug }}" for i in range(31)) + " }"
    assert codes(await client.gql(aliases)) == ["TOO_MANY_ALIASES"]
    huge = (await client.post("{ channels { " + "slug " * 6000 + "} }")).json()
    assert codes(huge) == ["QUERY_TOO_LARGE"]
    assert codes(await client.gql("{ orders(first: 1) { totalCount } }")) in (["PERMISSION_DENIED"], ["UNAUTHENTICATED"])

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(Listing, "page", broken)
    assert codes(await client.gql("{ products(first: 1) { totalCount } }")) == ["INTERNAL_SERVER_ERROR"]
