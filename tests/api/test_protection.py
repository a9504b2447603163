"""Protection from day one: limits, masking, production switches, health endpoints, bad input."""

import pytest

from app.pagination import Listing
from app.settings import Settings
from tests.conftest import TEST_SECRET
from tests.support import factory
from tests.support.client import GraphQLClient, running_client


def nested_categories(depth: int) -> str:
    inner = "name"
    for _ in range(depth):
        inner = f"parent {{ {inner} }}"
    return f"{{ category(slug: \"x\") {{ {inner} }} }}"


async def test_deep_queries_are_refused(client: GraphQLClient) -> None:
    assert (await client.gql(nested_categories(8))).get("errors") is None
    body = await client.gql(nested_categories(20))
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]


async def test_too_many_aliases_are_refused(client: GraphQLClient) -> None:
    query = "{ " + " ".join(f"a{i}: channels {{ slug }}" for i in range(31)) + " }"
    body = await client.gql(query)
    assert "aliases" in body["errors"][0]["message"]


async def test_huge_documents_are_refused_before_validation(client: GraphQLClient) -> None:
    query = "{ channels { " + "slug " * 6000 + "} }"
    response = await client.post(query)
    assert response.status_code in (200, 400)
    assert "token" in response.json()["errors"][0]["message"].lower()


@pytest.mark.parametrize(("payload", "content_type"), [
    (b"{not json", "application/json"),
    (b'{"query": 42}', "application/json"),
    (b'{"variables": {}}', "application/json"),
])
async def test_malformed_requests_are_client_errors_not_500(client: GraphQLClient, payload: bytes,
                                                            content_type: str) -> None:
    response = await client.http.post("/graphql", content=payload, headers={"content-type": content_type})
    assert 400 <= response.status_code < 500


async def test_syntax_errors_are_readable(client: GraphQLClient) -> None:
    response = await client.post("{ products( }")
    assert response.status_code in (200, 400)
    assert "Syntax Error" in response.json()["errors"][0]["message"]


async def test_mutations_are_refused_over_get(client: GraphQLClient) -> None:
    response = await client.http.get("/graphql", params={
        "query": 'mutation { warehouseCreate(input: {code: "X", name: "Y"}) { userErrors { code } } }'})
    assert 400 <= response.status_code < 500


async def test_queries_work_over_get(client: GraphQLClient) -> None:
    response = await client.http.get("/graphql", params={"query": "{ channels { slug } }"})
    assert response.status_code == 200 and response.json()["data"] == {"channels": []}


async def test_unexpected_exceptions_are_masked(client: GraphQLClient, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("connection string postgres://secret@db")

    monkeypatch.setattr(Listing, "page", broken)
    response = await client.post("{ products(first: 1) { totalCount } }")
    assert response.status_code == 200
    body = response.json()
    assert body["errors"][0]["message"] == "Unexpected error."
    assert "secret" not in response.text


async def test_over_long_and_nul_input_is_invalid_not_a_crash(client: GraphQLClient) -> None:
    admin = await factory.make_user(client.db, "admin@example.com", factory.Role.ADMIN)
    token = client.token_for(admin)
    mutation = "mutation($i: WarehouseCreateInput!) { warehouseCreate(input: $i) { userErrors { code field } } }"
    for bad in ({"code": "A\x00B", "name": "N"}, {"code": "C" * 65, "name": "N"}, {"code": "C", "name": "N" * 201}):
        data = await client.data(mutation, {"i": bad}, token=token)
        assert data["warehouseCreate"]["userErrors"][0]["code"] == "INVALID"
    search = await client.gql("query($s: String) { products(filter: {search: $s}) { totalCount } }",
                              {"s": "x" * 201})
    assert search["errors"][0]["extensions"]["code"] == "INVALID"


async def test_input_lists_are_capped_at_100(client: GraphQLClient) -> None:
    admin = await factory.make_user(client.db, "admin@example.com", factory.Role.ADMIN)
    mutation = ("mutation($i: DeliveryMethodCreateInput!) { deliveryMethodCreate(input: $i) "
                "{ deliveryMethod { id } userErrors { code field } } }")
    data = await client.data(mutation, {"i": {"name": "Post", "price": "1.00",
                                              "channels": [f"c{i}" for i in range(101)]}},
                             token=client.token_for(admin))
    assert data["deliveryMethodCreate"]["userErrors"] == [{"code": "INVALID", "field": ["input", "channels"]}]
    too_many_ids = await client.gql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
                                    {"ids": ["x"] * 101})
    assert "at most 100" in too_many_ids["errors"][0]["message"]


async def test_health_and_readiness(client: GraphQLClient) -> None:
    assert (await client.http.get("/healthz")).json() == {"status": "ok"}
    ready = await client.http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"


async def test_readiness_fails_when_the_database_is_unreachable(tmp_path: object) -> None:
    settings = Settings(database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none", secret_key=TEST_SECRET)
    async with running_client(settings) as client:
        response = await client.http.get("/readyz")
    assert response.status_code == 503


INTROSPECTION = "{ __schema { queryType { name } } }"


async def test_development_serves_graphiql_and_introspection(client: GraphQLClient) -> None:
    page = await client.http.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    assert (await client.data(INTROSPECTION))["__schema"]["queryType"]["name"] == "Query"


async def test_production_turns_off_graphiql_introspection_and_suggestions(settings: Settings) -> None:
    production = settings.model_copy(update={"env": "production"})
    async with running_client(production) as client:
        page = await client.http.get("/graphql", headers={"accept": "text/html"})
        assert page.status_code != 200 or "graphiql" not in page.text.lower()
        body = await client.gql(INTROSPECTION)
        assert "introspection" in body["errors"][0]["message"].lower()
        typo = await client.gql("{ chanels { slug } }")
        assert "Did you mean" not in typo["errors"][0]["message"]


def test_production_refuses_to_start_without_a_secret_key() -> None:
    with pytest.raises(ValueError, match="COMMERCE_SECRET_KEY"):
        Settings(env="production", secret_key="")
