"""Edge input: dates at the ends of the calendar, text that no database stores or that reads
differently from what it holds, tokens with malformed claims. Each gets a coded refusal (a userError
naming the field in mutations, extensions.code in queries), never "Unexpected error.", and nothing
is stored."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    get_named_type,
)
from sqlalchemy import func, select

from app.auth import ISSUER
from app.ids import encode_id
from models import Campaign, Cart, Category, IdempotencyKey, Product, ReturnRequest
from schema.schema import build_schema
from tests.conftest import TEST_SECRET
from tests.support import factory
from tests.support.client import GraphQLClient
from tests.support.shop import ADDRESS, CART_DELIVERY, RETURN_CREATE, build_shop

BIDI_OVERRIDE, BELL, LONE_SURROGATE = "\u202e", "\x07", "\ud800"
TEXT_EDGES = [pytest.param(BIDI_OVERRIDE, id="bidi-override"), pytest.param("\u2066", id="bidi-isolate"),
              pytest.param(BELL, id="control"), pytest.param("\x85", id="c1-control"),
              pytest.param(LONE_SURROGATE, id="lone-surrogate"), pytest.param("\x00", id="nul")]
EXTREME_DATES = [pytest.param("0001-01-01T00:00:00+14:00", id="year-1-plus-14"),
                 pytest.param("9999-12-31T23:59:59-14:00", id="year-9999-minus-14"),
                 pytest.param("0001-01-01T00:00:00", id="year-1-naive"),
                 pytest.param("1899-12-31T23:59:59Z", id="before-1900"),
                 pytest.param("2201-01-01T00:00:00Z", id="after-2200"),
                 pytest.param("1900-01-01T00:00:00+14:00", id="1900-here-but-1899-in-utc")]


def raw_json(payload: dict[str, Any]) -> bytes:
    """JSON as a client sends it: a lone surrogate as the escape \\ud800 (httpx's encoder refuses it)."""
    return json.dumps(payload).encode()


async def post_raw(client: GraphQLClient, query: str, variables: dict[str, Any] | None = None, *,
                   token: str | None = None) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return await client.http.post("/graphql", content=raw_json({"query": query, "variables": variables or {}}),
                                  headers=headers)


async def body_of(client: GraphQLClient, query: str, variables: dict[str, Any] | None = None, *,
                  token: str | None = None) -> dict[str, Any]:
    response = await post_raw(client, query, variables, token=token)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    for error in body.get("errors") or []:
        assert error["message"] != "Unexpected error.", body
        assert error.get("extensions", {}).get("code"), body
    return body


def error_codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]


def refusals(payload: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


async def rows(client: GraphQLClient, model: Any) -> int:
    async with client.db.read() as conn:
        return int(await conn.scalar(select(func.count()).select_from(model)) or 0)


async def admin_token(client: GraphQLClient) -> str:
    return client.token_for(await factory.make_user(client.db, "admin@example.com", factory.Role.ADMIN))


CAMPAIGN_CREATE = ("mutation($i: CampaignCreateInput!) { campaignCreate(input: $i) "
                   "{ campaign { id startsAt endsAt } userErrors { code field message } } }")
CATEGORY_CREATE = ("mutation($i: CategoryCreateInput!) { categoryCreate(input: $i) "
                   "{ category { id name } userErrors { code field message } } }")
PRODUCT_CREATE = ("mutation($i: ProductCreateInput!) { productCreate(input: $i) "
                  "{ product { id name description } userErrors { code field message } } }")
SALES_REPORT = "query($from: DateTime!, $to: DateTime!) { salesReport(from: $from, to: $to) { total { orders } } }"
ORDERS = "query($f: OrderFilter) { orders(first: 5, filter: $f) { totalCount } }"


def campaign(**changes: Any) -> dict[str, Any]:
    return {"name": "Spring", "discountType": "PERCENTAGE", "discountValue": "10", **changes}


def product(**changes: Any) -> dict[str, Any]:
    return {"name": "Tee", "variants": [{"sku": "TEE-1", "name": "One size", "price": "10.00"}], **changes}


# Dates

@pytest.mark.parametrize("field", ["startsAt", "endsAt"])
@pytest.mark.parametrize("moment", EXTREME_DATES)
async def test_campaign_dates_outside_1900_to_2200_are_invalid_with_the_field_path(
        client: GraphQLClient, field: str, moment: str) -> None:
    token = await admin_token(client)
    body = await body_of(client, CAMPAIGN_CREATE, {"i": campaign(**{field: moment})}, token=token)
    payload = body["data"]["campaignCreate"]
    assert payload["campaign"] is None
    assert refusals(payload) == [("INVALID", ["input", field])]
    assert "1900" in payload["userErrors"][0]["message"]
    assert await rows(client, Campaign) == 0


@pytest.mark.parametrize(("moment", "stored"), [
    ("1900-01-01T00:00:00Z", "1900-01-01T00:00:00+00:00"),
    ("1899-12-31T20:00:00-05:00", "1900-01-01T01:00:00+00:00"),  # 1900 once in UTC
    ("2200-12-31T23:59:59Z", "2200-12-31T23:59:59+00:00"),
    ("2030-06-01T09:30:00+02:00", "2030-06-01T07:30:00+00:00"),
    ("2030-06-01T09:30", "2030-06-01T09:30:00+00:00"),  # no time zone: UTC
])
async def test_dates_within_the_bounds_are_kept_in_utc(client: GraphQLClient, moment: str, stored: str) -> None:
    body = await body_of(client, CAMPAIGN_CREATE, {"i": campaign(startsAt=moment)}, token=await admin_token(client))
    payload = body["data"]["campaignCreate"]
    assert payload["userErrors"] == [] and payload["campaign"]["startsAt"] == stored


@pytest.mark.parametrize("value", [
    pytest.param("2030-06-01", id="date-without-time"), pytest.param("garbage", id="garbage"),
    pytest.param("2030-02-31T00:00:00Z", id="31-february"), pytest.param("0000-01-01T00:00:00Z", id="year-0"),
    pytest.param("10000-01-01T00:00:00Z", id="year-10000"), pytest.param("2030-06-01T00:00:00+24:00", id="offset-24h"),
    pytest.param("２０３０-06-01T00:00:00Z", id="non-ascii-digits"), pytest.param(LONE_SURROGATE, id="lone-surrogate"),
    pytest.param(1_700_000_000, id="number"),
])
async def test_unreadable_dates_are_coded_input_errors(client: GraphQLClient, value: object) -> None:
    token = await admin_token(client)
    mutation = await body_of(client, CAMPAIGN_CREATE, {"i": campaign(startsAt=value)}, token=token)
    assert error_codes(mutation) == ["BAD_USER_INPUT"] and "startsAt" in mutation["errors"][0]["message"]
    report = await body_of(client, SALES_REPORT, {"from": value, "to": "2030-01-01T00:00:00Z"}, token=token)
    assert error_codes(report) == ["BAD_USER_INPUT"]
    assert await rows(client, Campaign) == 0


@pytest.mark.parametrize("moment", EXTREME_DATES)
async def test_query_dates_outside_1900_to_2200_are_coded_errors(client: GraphQLClient, moment: str) -> None:
    token = await admin_token(client)
    as_from = await body_of(client, SALES_REPORT, {"from": moment, "to": "2030-01-01T00:00:00Z"}, token=token)
    as_to = await body_of(client, SALES_REPORT, {"from": "2030-01-01T00:00:00Z", "to": moment}, token=token)
    assert error_codes(as_from) == error_codes(as_to) == ["INVALID"]
    assert "from" in as_from["errors"][0]["message"] and "to" in as_to["errors"][0]["message"]
    for bound in ("createdAfter", "createdBefore"):
        orders = await body_of(client, ORDERS, {"f": {bound: moment}}, token=token)
        assert error_codes(orders) == ["INVALID"] and bound in orders["errors"][0]["message"]


async def test_extreme_dates_written_into_the_document_are_coded_errors(client: GraphQLClient) -> None:
    token = await admin_token(client)
    report = await body_of(client, '{ salesReport(from: "0001-01-01T00:00:00+14:00", '
                                   'to: "9999-12-31T23:59:59-14:00") { total { orders } } }', token=token)
    assert error_codes(report) == ["INVALID"]
    unreadable = await body_of(client, '{ orders(first: 1, filter: {createdAfter: "2030-06-01"}) { totalCount } }',
                               token=token)
    assert error_codes(unreadable) == ["BAD_USER_INPUT"]


# Text in mutations

async def test_text_edges_in_catalog_and_campaign_names_are_invalid_and_store_nothing(
        client: GraphQLClient) -> None:
    token = await admin_token(client)
    for edge in (BIDI_OVERRIDE, "\u2066", BELL, "\x85", LONE_SURROGATE, "\x00", "\n", "\u2028"):
        bad = f"Tee{edge}shirt"
        cases = [(CATEGORY_CREATE, "categoryCreate", {"name": bad}, ["input", "name"]),
                 (PRODUCT_CREATE, "productCreate", product(name=bad), ["input", "name"]),
                 (PRODUCT_CREATE, "productCreate", product(variants=[{"sku": "S-1", "name": bad, "price": "1.00"}]),
                  ["input", "variants", "0", "name"]),
                 (CAMPAIGN_CREATE, "campaignCreate", campaign(name=bad), ["input", "name"]),
                 (CAMPAIGN_CREATE, "campaignCreate", campaign(code=f"SPR{edge}ING"), ["input", "code"])]
        for document, name, input_, field in cases:
            for key in (None, f"key-{name}-{len(field)}"):  # with a key, the claim rolls back too
                variables = {"i": {**input_, "idempotencyKey": key}}
                payload = (await body_of(client, document, variables, token=token))["data"][name]
                assert refusals(payload) == [("INVALID", field)], (edge, name, payload)
    for model in (Category, Product, Campaign, IdempotencyKey):
        assert await rows(client, model) == 0, model


async def test_descriptions_keep_line_breaks_and_tabs_but_not_other_controls(client: GraphQLClient) -> None:
    token = await admin_token(client)
    kept = await body_of(client, PRODUCT_CREATE, {"i": product(description="Cotton.\n\tWash cold.\r\n")}, token=token)
    assert kept["data"]["productCreate"]["product"]["description"] == "Cotton.\n\tWash cold."
    for edge in (BIDI_OVERRIDE, BELL, LONE_SURROGATE):
        refused = await body_of(client, PRODUCT_CREATE, {"i": product(name="Sock", description=f"Wool{edge}")},
                                token=token)
        assert refusals(refused["data"]["productCreate"]) == [("INVALID", ["input", "description"])]
    assert await rows(client, Product) == 1


async def test_right_to_left_names_with_direction_marks_are_kept(client: GraphQLClient) -> None:
    name = "\u05e9\u05dc\u05d5\u05dd 42\u200f"  # Hebrew, a number, a right-to-left mark
    body = await body_of(client, CATEGORY_CREATE, {"i": {"name": name}}, token=await admin_token(client))
    assert body["data"]["categoryCreate"]["category"]["name"] == name


@pytest.mark.parametrize("edge", TEXT_EDGES)
async def test_text_edges_in_a_delivery_address_are_invalid_with_the_field_path(
        client: GraphQLClient, edge: str) -> None:
    shop = await build_shop(client)
    cart = (await shop.create_cart({"TEE-0": 1}))["cart"]["id"]
    for field in ("name", "line1", "city", "postalCode"):
        address = {**ADDRESS, field: f"{ADDRESS[field]}{edge}x"}
        body = await body_of(client, CART_DELIVERY, {"input": {"cartId": cart, "shippingAddress": address}})
        assert refusals(body["data"]["cartDeliveryUpdate"]) == [("INVALID", ["input", "shippingAddress", field])]
    async with client.db.read() as conn:
        assert (await conn.execute(select(Cart.shipping_address))).scalars().all() == [None]


@pytest.mark.parametrize("edge", TEXT_EDGES)
async def test_text_edges_in_a_return_reason_are_invalid(client: GraphQLClient, edge: str) -> None:
    shop = await build_shop(client)
    customer = await shop.token("ann@example.com", factory.Role.CUSTOMER)
    order = await shop.order({"TEE-0": 1}, key="order-1", token=customer)
    body = await body_of(client, RETURN_CREATE, {"input": {
        "orderId": order["id"], "reason": f"Too{edge} small", "idempotencyKey": "return-1",
        "lines": [{"orderLineId": encode_id("OrderLine", 1), "quantity": 1}]}}, token=customer)
    assert refusals(body["data"]["returnRequestCreate"]) == [("INVALID", ["input", "reason"])]
    assert await rows(client, ReturnRequest) == 0


async def test_unstorable_passwords_e_mails_and_idempotency_keys_are_refused(client: GraphQLClient) -> None:
    register = ("mutation($i: CustomerRegisterInput!) { customerRegister(input: $i) "
                "{ userErrors { code field } } }")
    sign_in = "mutation($i: TokenCreateInput!) { tokenCreate(input: $i) { userErrors { code field } } }"
    bad_password = await body_of(client, register, {"i": {"email": "a@example.com", "password": f"horse{LONE_SURROGATE}battery"}})
    assert refusals(bad_password["data"]["customerRegister"]) == [("INVALID", ["input", "password"])]
    bad_email = await body_of(client, register, {"i": {"email": f"a{BIDI_OVERRIDE}@example.com", "password": "correct-horse"}})
    assert refusals(bad_email["data"]["customerRegister"]) == [("INVALID", ["input", "email"])]
    wrong = await body_of(client, sign_in, {"i": {"email": f"a{LONE_SURROGATE}@example.com", "password": LONE_SURROGATE}})
    assert [e["code"] for e in wrong["data"]["tokenCreate"]["userErrors"]] == ["INVALID_CREDENTIALS"]
    token = await admin_token(client)
    for key in (f"key{LONE_SURROGATE}", f"key{BELL}", f"key{BIDI_OVERRIDE}"):
        keyed = await body_of(client, CATEGORY_CREATE, {"i": {"name": "Shoes", "idempotencyKey": key}}, token=token)
        assert refusals(keyed["data"]["categoryCreate"]) == [("INVALID", ["input", "idempotencyKey"])]
    assert await rows(client, Category) == 0


# Text in queries

@pytest.mark.parametrize("edge", [pytest.param(LONE_SURROGATE, id="lone-surrogate"), pytest.param("\x00", id="nul")])
@pytest.mark.parametrize(("query", "variables"), [
    pytest.param("query($s: String) { products(first: 1, filter: {search: $s}) { totalCount } }", {}, id="search"),
    pytest.param("query($s: String) { product(slug: $s) { id } }", {}, id="product-slug"),
    pytest.param("query($s: String) { category(slug: $s) { id } }", {}, id="category-slug"),
    pytest.param("query($s: String) { orders(first: 1, filter: {channel: $s}) { totalCount } }", {}, id="order-channel"),
])
async def test_unstorable_text_in_query_arguments_is_a_coded_error(client: GraphQLClient, edge: str, query: str,
                                                                   variables: dict[str, Any]) -> None:
    body = await body_of(client, query, {"s": f"tee{edge}"}, token=await admin_token(client))
    assert error_codes(body) == ["INVALID"]


async def test_a_lone_surrogate_in_the_document_itself_is_a_syntax_error(client: GraphQLClient) -> None:
    response = await post_raw(client, f'{{ product(slug: "tee{LONE_SURROGATE}") {{ id }} }}')
    assert response.status_code == 200 and "Syntax Error" in response.json()["errors"][0]["message"]


# Every argument of every root field, walked from the schema

SCALAR_SAMPLES: dict[str, Any] = {"String": "x", "ID": "x", "Int": 1, "Float": 1.0, "Boolean": True, "Decimal": "1",
                                  "DateTime": "2030-01-01T00:00:00Z", "JSON": {}}


def sample(type_: GraphQLInputType) -> Any:
    """A value of `type_` with its required fields only."""
    if isinstance(type_, GraphQLNonNull):
        return sample(type_.of_type)
    if isinstance(type_, GraphQLList):
        return [sample(type_.of_type)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        return {name: sample(f.type) for name, f in type_.fields.items() if isinstance(f.type, GraphQLNonNull)}
    assert isinstance(type_, GraphQLScalarType)
    return SCALAR_SAMPLES[type_.name]


def text_paths(type_: GraphQLInputType, depth: int = 0) -> Iterator[tuple[str, ...]]:
    """Paths to every String and ID inside `type_`, optional ones included (list items as index 0)."""
    named = get_named_type(type_)
    if isinstance(named, GraphQLScalarType) and named.name in {"String", "ID"}:
        yield ()
    elif isinstance(named, GraphQLInputObjectType) and depth < 4:
        for name, f in named.fields.items():
            yield from ((name, *rest) for rest in text_paths(f.type, depth + 1))


def poisoned(type_: GraphQLInputType, path: tuple[str, ...], poison: str) -> Any:
    unwrapped = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if isinstance(unwrapped, GraphQLList):
        return [poisoned(unwrapped.of_type, path, poison)]
    if not path:
        return f"x{poison}x"
    assert isinstance(unwrapped, GraphQLInputObjectType)
    value = sample(unwrapped)
    value[path[0]] = poisoned(unwrapped.fields[path[0]].type, path[1:], poison)
    return value


def selection(type_: Any) -> str:
    return "" if isinstance(get_named_type(type_), GraphQLScalarType | GraphQLEnumType) else " { __typename }"


def walked(operation: str) -> Iterator[tuple[str, Any, str, tuple[str, ...]]]:
    schema = build_schema()._schema
    root = schema.mutation_type if operation == "mutation" else schema.query_type
    assert root is not None
    for field_name, field in root.fields.items():
        for arg_name, arg in field.args.items():
            for path in text_paths(arg.type):
                yield field_name, field, arg_name, path


async def failures_of_walk(client: GraphQLClient, operation: str, token: str) -> list[str]:
    """Every String and ID of every root field's arguments, one at a time, holding each poison."""
    failures = []
    for field_name, field, arg_name, path in walked(operation):
        for poison in (LONE_SURROGATE, "\x00", BIDI_OVERRIDE):
            variables = {name: (poisoned(arg.type, path, poison) if name == arg_name else sample(arg.type))
                         for name, arg in field.args.items()
                         if name == arg_name or isinstance(arg.type, GraphQLNonNull)}
            declared = ", ".join(f"${name}: {field.args[name].type}" for name in variables)
            passed = ", ".join(f"{name}: ${name}" for name in variables)
            document = f"{operation}({declared}) {{ {field_name}({passed}){selection(field.type)} }}"
            response = await post_raw(client, document, variables, token=token)
            errors = response.json().get("errors") or [] if response.status_code == 200 else [{"message": "HTTP"}]
            if any(e["message"] == "Unexpected error." or not e.get("extensions", {}).get("code") for e in errors):
                failures.append(f"{'.'.join((field_name, arg_name, *path))} {poison!r}: {response.text[:200]}")
    return failures


async def test_no_mutation_argument_turns_unstorable_text_into_an_unexpected_error(client: GraphQLClient) -> None:
    assert await failures_of_walk(client, "mutation", await admin_token(client)) == []
    assert await rows(client, IdempotencyKey) == 0


async def test_no_query_argument_turns_unstorable_text_into_an_unexpected_error(client: GraphQLClient) -> None:
    assert await failures_of_walk(client, "query", await admin_token(client)) == []


# Tokens

def signed(**claims: Any) -> str:
    now = int(datetime.now(UTC).timestamp())
    return jwt.encode({"iss": ISSUER, "typ": "access", "iat": now, "exp": now + 600, **claims}, TEST_SECRET,
                      algorithm="HS256")


@pytest.mark.parametrize("claims", [
    pytest.param({"roles": "ADMIN"}, id="roles-a-string"),
    pytest.param({"roles": [1, {"admin": True}]}, id="roles-not-names"),
    pytest.param({"roles": {"ADMIN": True}}, id="roles-an-object"),
    pytest.param({"roles": None}, id="roles-null"),
    pytest.param({"sub": ["USER"]}, id="sub-a-list"),
    pytest.param({"sub": 1}, id="sub-a-number"),
    pytest.param({"sub": "abc"}, id="sub-not-digits"),
    pytest.param({"sub": "1.5"}, id="sub-a-fraction"),
    pytest.param({"sub": "-1"}, id="sub-negative"),
    pytest.param({"sub": "99999999999999999999"}, id="sub-too-large"),
    pytest.param({"sub": "１"}, id="sub-non-ascii-digit"),
    pytest.param({"sub": "1\ud800"}, id="sub-lone-surrogate"),
    pytest.param({"sub": ""}, id="sub-empty"),
])
async def test_tokens_with_malformed_claims_are_401(client: GraphQLClient, claims: dict[str, Any]) -> None:
    viewer = await factory.make_user(client.db, "admin@example.com", factory.Role.ADMIN)
    claims = {"sub": str(viewer.user_id), **claims}
    response = await client.post("{ me { email } }", token=signed(**claims))
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_token_from_before_roles_moved_to_the_users_table_still_names_its_user(
        client: GraphQLClient) -> None:
    viewer = await factory.make_user(client.db, "clerk@example.com", factory.Role.SUPPORT)
    token = signed(sub=str(viewer.user_id), roles=["ADMIN"])  # the stored roles count, not these
    assert (await client.data("{ me { email roles } }", token=token))["me"] == {
        "email": "clerk@example.com", "roles": ["SUPPORT"]}
