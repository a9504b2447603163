"""Full-text product search on both databases: ranking (a name above a description), SKUs as whole
codes, several words, the index kept by product writes, RELEVANCE and its cursors, and texts built
to break a full-text query parser."""

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from app.domain.states import ProductStatus
from app.ids import encode_id
from app.policy.permissions import Role
from app.services import catalog
from tests.support import factory
from tests.support.client import GraphQLClient

PRODUCTS = """
query Search($search: String, $sort: ProductSort, $first: Int, $after: String, $last: Int, $before: String) {
  products(filter: {search: $search}, sort: $sort, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { name } }
  }
}
"""
PRODUCT_UPDATE = """
mutation($input: ProductUpdateInput!) {
  productUpdate(input: $input) { product { name } userErrors { code message } }
}
"""
RELEVANCE = {"field": "RELEVANCE", "direction": "DESC"}
BY_NAME = {"field": "NAME", "direction": "ASC"}


async def make(client: GraphQLClient, name: str, description: str, skus: tuple[str, ...],
               status: ProductStatus = ProductStatus.ACTIVE) -> int:
    specs = [catalog.VariantSpec(sku=sku, name=f"Variant {i}", price=Decimal("10.00")) for i, sku in enumerate(skus)]
    async with factory.uow(client.db) as work:
        return (await catalog.create_product(uow=work, name=name, slug=None, description=description,
                                             category_id=None, variants=specs, status=status)).id


@pytest.fixture
async def shelf(client: GraphQLClient) -> dict[str, int]:
    """A few products; the description-only match for "granite" is made last, so that a tie
    (newest first) would put it first."""
    made = {}
    for name, description, skus in [
        ("Granite Lantern", "A lantern for the trail.", ("GL-1",)),
        ("Harbor Vest", "Warm and light.", ("TR-42", "TR-43")),
        ("Summit Tent", "Sleeps two on the trail.", ("TR-420",)),
        ("Alpine Mug", "Enamel, for the camp stove.", ("SKU-000012-M",)),
        ("Cedar Mug", "Pairs well with a granite countertop.", ("CM-1",)),
    ]:
        made[name] = await make(client, name, description, skus)
    return made


async def search(client: GraphQLClient, text: str | None, sort: dict[str, str] | None = None,
                 **page: Any) -> dict[str, Any]:
    data = await client.data(PRODUCTS, {"search": text, "sort": sort, **page})
    return data["products"]  # type: ignore[no-any-return]


async def post(client: GraphQLClient, variables: dict[str, Any]) -> httpx.Response:
    """A request as a client sends it: json.dumps writes a lone surrogate as the escape \\ud800
    (httpx's own encoder refuses it)."""
    return await client.http.post("/graphql", content=json.dumps({"query": PRODUCTS, "variables": variables}),
                                  headers={"content-type": "application/json"})


async def names(client: GraphQLClient, text: str | None, sort: dict[str, str] | None = None) -> list[str]:
    return [edge["node"]["name"] for edge in (await search(client, text, sort, first=100))["edges"]]


async def test_a_name_match_ranks_above_a_description_only_match(client: GraphQLClient,
                                                                 shelf: dict[str, int]) -> None:
    assert await names(client, "granite", RELEVANCE) == ["Granite Lantern", "Cedar Mug"]
    assert await names(client, "granite", {"field": "RELEVANCE", "direction": "ASC"}) == [
        "Granite Lantern", "Cedar Mug"]  # best first whatever the direction
    # Another sort keeps the full-text filter and orders by its own field.
    assert await names(client, "granite", BY_NAME) == ["Cedar Mug", "Granite Lantern"]
    assert await names(client, "GRANITE") == ["Granite Lantern", "Cedar Mug"]  # default sort: oldest first


@pytest.mark.parametrize(("text", "expected"), [
    ("TR-42", ["Harbor Vest"]),  # a code matches whole: not TR-420
    ("tr-43", ["Harbor Vest"]),
    ("TR-420", ["Summit Tent"]),
    ("SKU-000012-M", ["Alpine Mug"]),
    ("sku-000012-m mug", ["Alpine Mug"]),
    ("TR-4", []),
])
async def test_a_product_is_found_by_one_of_its_skus(client: GraphQLClient, shelf: dict[str, int], text: str,
                                                     expected: list[str]) -> None:
    assert await names(client, text, RELEVANCE) == expected
    assert await names(client, text, BY_NAME) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("granite lantern", ["Granite Lantern"]),  # every word must match
    ("trail lantern", ["Granite Lantern"]),  # in any order, name and description together
    ("trail", ["Granite Lantern", "Summit Tent"]),
    ("mug enamel", ["Alpine Mug"]),
    ("\"for the trail\"", ["Granite Lantern"]),  # a phrase: those words in a row
    ("\"trail for\"", []),
    ("vest or tent", ["Harbor Vest", "Summit Tent"]),
    ("mug -cedar", ["Alpine Mug"]),
    ("alp", ["Alpine Mug"]),  # the last word as a prefix, for search as you type
    ("alp ", []),  # ...unless the word is finished
    ("mug alp", ["Alpine Mug"]),
    ("alp mug", []),
])
async def test_several_words_phrases_alternatives_and_prefixes(client: GraphQLClient, shelf: dict[str, int],
                                                               text: str, expected: list[str]) -> None:
    assert await names(client, text, BY_NAME) == expected
    assert sorted(await names(client, text, RELEVANCE)) == expected


async def test_a_renamed_product_is_found_by_its_new_name_only(client: GraphQLClient, shelf: dict[str, int]) -> None:
    token = client.token_for(await factory.make_user(client.db, "merch@example.com", Role.MERCHANDISER))
    data = await client.data(PRODUCT_UPDATE, {"input": {
        "productId": encode_id("Product", shelf["Granite Lantern"]), "name": "Basalt Beacon"}}, token=token)
    assert data["productUpdate"] == {"product": {"name": "Basalt Beacon"}, "userErrors": []}
    assert await names(client, "basalt", RELEVANCE) == ["Basalt Beacon"]
    assert await names(client, "granite", RELEVANCE) == ["Cedar Mug"]
    assert await names(client, "lantern") == ["Basalt Beacon"]  # the description is still indexed
    data = await client.data(PRODUCT_UPDATE, {"input": {
        "productId": encode_id("Product", shelf["Cedar Mug"]), "description": "Stoneware."}}, token=token)
    assert data["productUpdate"]["userErrors"] == []
    assert await names(client, "granite") == []
    assert await names(client, "stoneware") == ["Cedar Mug"]


async def test_a_refused_write_leaves_the_index_as_it_was(client: GraphQLClient, shelf: dict[str, int]) -> None:
    token = client.token_for(await factory.make_user(client.db, "merch@example.com", Role.MERCHANDISER))
    data = await client.data(PRODUCT_UPDATE, {"input": {
        "productId": encode_id("Product", shelf["Granite Lantern"]), "name": "Basalt Beacon",
        "status": "DRAFT"}}, token=token)  # ACTIVE -> DRAFT is not in the status table
    assert data["productUpdate"]["userErrors"][0]["code"] == "INVALID_TRANSITION"
    assert await names(client, "basalt") == []
    assert await names(client, "granite lantern") == ["Granite Lantern"]


async def test_shoppers_find_only_what_they_may_see(client: GraphQLClient, shelf: dict[str, int]) -> None:
    await make(client, "Granite Draft", "Not launched.", ("GD-1",), status=ProductStatus.DRAFT)
    assert await names(client, "granite", RELEVANCE) == ["Granite Lantern", "Cedar Mug"]
    staff = client.token_for(await factory.make_user(client.db, "merch@example.com", Role.MERCHANDISER))
    data = await client.data(PRODUCTS, {"search": "granite", "sort": RELEVANCE, "first": 10}, token=staff)
    found = [e["node"]["name"] for e in data["products"]["edges"]]
    assert sorted(found[:2]) == ["Granite Draft", "Granite Lantern"] and found[2:] == ["Cedar Mug"]


@pytest.mark.parametrize("text", ["nothing-like-this", "zebra", "%", "***", "-granite", "\"\""])
async def test_no_match_is_an_empty_page(client: GraphQLClient, shelf: dict[str, int], text: str) -> None:
    for sort in (None, RELEVANCE, BY_NAME):
        page = await search(client, text, sort, first=20)
        assert page == {"totalCount": 0, "edges": [], "pageInfo": {
            "hasNextPage": False, "hasPreviousPage": False, "startCursor": None, "endCursor": None}}


@pytest.mark.parametrize("text", [None, "", "   "])
async def test_relevance_without_a_search_is_refused_with_a_code(client: GraphQLClient, shelf: dict[str, int],
                                                                 text: str | None) -> None:
    body = await client.gql(PRODUCTS, {"search": text, "sort": RELEVANCE, "first": 5})
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INVALID"
    assert "RELEVANCE" in error["message"] and "search" in error["message"]


async def test_relevance_pages_walk_every_match_once_in_order(client: GraphQLClient) -> None:
    # Matches of differing strength (name, SKU, description; longer and shorter texts) and ties.
    for i in range(7):
        await make(client, f"Alpine Tee {i}", "Cotton.", (f"AT-{i}",))
    for i in range(4):
        await make(client, f"Trail Runner {i}", f"An alpine {'classic ' * i}for rough ground.", (f"TRR-{i}",))
    await make(client, "Alpine Alpine Cap", "Alpine wool.", ("AAC-1",))
    await make(client, "Harbor Vest", "Not a match.", ("HV-1",))
    expected = await names(client, "alpine", RELEVANCE)
    assert len(expected) == 12 and expected[0] == "Alpine Alpine Cap"
    assert set(expected[-4:]) == {f"Trail Runner {i}" for i in range(4)}  # description only: last

    seen, after = [], None
    while True:
        page = await search(client, "alpine", RELEVANCE, first=5, after=after)
        assert page["totalCount"] == 12
        seen += [edge["node"]["name"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == expected

    backward, before = [], None
    while True:
        page = await search(client, "alpine", RELEVANCE, last=5, before=before)
        backward = [edge["node"]["name"] for edge in page["edges"]] + backward
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert backward == expected

    # A cursor belongs to its search: another text refuses it with a code.
    first = await search(client, "alpine", RELEVANCE, first=2)
    body = await client.gql(PRODUCTS, {"search": "tee", "sort": RELEVANCE, "first": 2,
                                       "after": first["pageInfo"]["endCursor"]})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_PAGINATION"


HOSTILE = [
    '"', '""', '"""', "'", "''", "\\", "\\'", "*", "**", "a*", "*a", ":", "a:b", "name:granite", "body:x",
    "{name body}:granite", "(", ")", "()", "(granite", "granite)", "AND", "OR", "NOT", "granite AND",
    "AND granite", "granite NOT", "NOT granite", "granite OR", "NEAR(granite lantern)", "NEAR(a b, 2)",
    "^granite", "+granite", "-", "--", "- -", "-\"", "-\"\"", "granite -", "&", "|", "!", "<->", "<1>",
    "granite & lantern", "granite | lantern", "!granite", "granite:*", "'granite':*", "gran:*", ":*", "*:*",
    "granite:A", "granite:AB*", "%", "_", "%granite%", "\t", "granite\tlantern", "a\u00a0b",
    "\u00e9", "e\u0301", "\u0301", "\U0001f642", "\U0001f642 granite", "\u65e5\u672c\u8a9e", "\u01c5",
    "\ufeff", "\u200b", "x" * 200, "a " * 100, "\" " * 100, "-a " * 66, "or " * 66, "a:b " * 50, "(" * 200,
    "1e308", "NaN", "-0", "0x00", "\\x00", "'; DROP TABLE products; --", "granite') OR 1=1 --",
]


@pytest.mark.parametrize("text", HOSTILE)
async def test_hostile_search_texts_answer_with_data_or_a_coded_error(client: GraphQLClient, text: str) -> None:
    await make(client, "Granite Lantern", "A lantern for the trail.", ("GL-1",))
    for sort in (RELEVANCE, None):
        response = await post(client, {"search": text, "sort": sort, "first": 5})
        assert response.status_code == 200, response.text
        body = response.json()
        for error in body.get("errors") or []:
            assert error["message"] != "Unexpected error.", body
            assert error["extensions"]["code"] == "INVALID", body
        if not body.get("errors"):
            assert body["data"]["products"]["totalCount"] == len(body["data"]["products"]["edges"]) <= 1


@pytest.mark.parametrize("text", ["granite\x00", "gran\x00ite", "\x00", "granite\ud800", "\udfff", "\x07",
                                  "\u202e", "x" * 201])
async def test_unstorable_or_overlong_search_texts_are_invalid(client: GraphQLClient, text: str) -> None:
    for sort in (RELEVANCE, None):
        response = await post(client, {"search": text, "sort": sort, "first": 5})
        assert response.status_code == 200, response.text
        assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["INVALID"]
