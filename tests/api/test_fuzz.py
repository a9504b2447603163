"""A bounded schemathesis fuzz run over the whole public schema (schema.graphql): documents that
schemathesis generates for every root query and mutation field, sent anonymously and as an ADMIN.
None may answer 5xx or "Unexpected error.": every refusal is a coded error or a userError."""

from pathlib import Path
from typing import Any

import pytest
import schemathesis.graphql
from graphql import build_schema as build_sdl
from graphql import introspection_from_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes

from app.policy.permissions import Role
from tests.support import factory
from tests.support.client import GraphQLClient

SDL = Path(__file__).resolve().parents[2] / "schema.graphql"
EXAMPLES_PER_FIELD = 3


# Our custom scalars, as strings of every kind (valid ones and junk alike).
for _name in ("DateTime", "Decimal"):
    schemathesis.graphql.scalar(_name, st.one_of(
        st.text(max_size=40), st.sampled_from(["2030-06-01T09:30:00Z", "0001-01-01T00:00:00+14:00", "19.90",
                                               "-1", "NaN", "1E+999999"])).map(nodes.String))
schemathesis.graphql.scalar("JSON", st.text(max_size=40).map(nodes.String))


def fuzzed_documents() -> list[tuple[str, str]]:
    """(root field, document) pairs, the same on every run (derandomized)."""
    schema = schemathesis.graphql.from_dict(introspection_from_schema(build_sdl(SDL.read_text())))
    documents: list[tuple[str, str]] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        found: list[str] = []

        @settings(max_examples=EXAMPLES_PER_FIELD, database=None, derandomize=True, deadline=None,
                  suppress_health_check=list(HealthCheck))
        @given(operation.as_strategy())
        def collect(case: Any) -> None:
            found.append(str(case.body))  # noqa: B023 - collect() runs before the loop moves on

        collect()
        documents += [(operation.label, document) for document in found]
    return documents


DOCUMENTS = fuzzed_documents()


def test_the_fuzz_run_covers_every_root_field() -> None:
    fields = {label for label, _ in DOCUMENTS}
    assert {"Query.products", "Query.node", "Mutation.checkoutComplete", "Mutation.tokenCreate"} <= fields
    assert len(fields) >= 50


@pytest.mark.parametrize("who", ["anonymous", "admin"])
async def test_no_fuzzed_document_gets_a_server_error_or_an_unexpected_error(client: GraphQLClient,
                                                                            who: str) -> None:
    headers: dict[str, str] = {}
    if who == "admin":
        admin = await factory.make_user(client.db, "admin@example.com", Role.ADMIN)
        headers["Authorization"] = f"Bearer {client.token_for(admin)}"
    faults = []
    for label, document in DOCUMENTS:
        response = await client.http.post("/graphql", json={"query": document}, headers=headers)
        if response.status_code >= 500 or "Unexpected error" in response.text:
            faults.append((label, response.status_code, response.text[:300], document[:300]))
    assert faults == []
