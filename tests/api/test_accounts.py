"""Accounts over GraphQL: sign-up, sign-in, `me`, and how bearer tokens are refused (HTTP 401 with
an UNAUTHENTICATED error in a GraphQL-shaped body, never a 500)."""

import base64
import json
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from app.auth import ISSUER, Viewer, issue_token
from app.domain.audit_chain import keyed, verify_chain
from app.policy.permissions import Role
from models import AuditEvent, Customer, User
from tests.support import factory
from tests.support.client import GraphQLClient

PASSWORD = "correct-horse-battery"  # what factory.make_user gives every user

TOKEN_FIELDS = "accessToken refreshToken userErrors { code message field }"
CUSTOMER_REGISTER = f"""mutation($input: CustomerRegisterInput!) {{
  customerRegister(input: $input) {{ {TOKEN_FIELDS} }} }}"""
TOKEN_CREATE = f"""mutation($input: TokenCreateInput!) {{
  tokenCreate(input: $input) {{ {TOKEN_FIELDS} }} }}"""
ME = "{ me { email roles customer { email name } } }"


async def register(client: GraphQLClient, email: str, password: str = PASSWORD,
                   name: str | None = None) -> dict[str, Any]:
    variables = {"input": {"email": email, "password": password, "name": name}}
    data = await client.data(CUSTOMER_REGISTER, variables)
    return data["customerRegister"]  # type: ignore[no-any-return]


async def sign_in(client: GraphQLClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    variables = {"input": {"email": email, "password": password}}
    return (await client.data(TOKEN_CREATE, variables))["tokenCreate"]  # type: ignore[no-any-return]


async def me(client: GraphQLClient, token: str | None) -> dict[str, Any] | None:
    return (await client.data(ME, token=token))["me"]  # type: ignore[no-any-return]


async def count(client: GraphQLClient, model: type[Any]) -> int:
    async with client.db.read() as conn:
        return int(await conn.scalar(select(func.count()).select_from(model)) or 0)


def refusal(payload: Mapping[str, Any]) -> list[tuple[str, list[str] | None]]:
    """The codes and fields of a refused sign-up or sign-in, which must carry no token."""
    assert (payload["accessToken"], payload["refreshToken"]) == (None, None)
    assert all(error["message"] for error in payload["userErrors"])
    return [(error["code"], error["field"]) for error in payload["userErrors"]]


# --- customerRegister ----------------------------------------------------------------------------

async def test_a_registered_customer_signs_in_and_reads_their_account(client: GraphQLClient) -> None:
    payload = await register(client, "Ann@Example.com", name="Ann")
    assert payload == {"accessToken": None, "refreshToken": None, "userErrors": []}
    signed_in = await sign_in(client, "ann@example.com")
    assert await me(client, signed_in["accessToken"]) == {
        "email": "ann@example.com", "roles": ["CUSTOMER"],
        "customer": {"email": "ann@example.com", "name": "Ann"}}


async def test_registration_appends_one_audit_event(client: GraphQLClient) -> None:
    await register(client, "ann@example.com")
    async with client.db.read() as conn:
        events = (await conn.execute(select(AuditEvent.__table__).order_by(AuditEvent.sequence))).mappings().all()
    assert [event["action"] for event in events] == ["customer.register"]
    assert verify_chain(events, keyed(client.db.audit_key)).ok


@pytest.mark.parametrize("again", ["ann@example.com", "ANN@EXAMPLE.COM", "  Ann@example.com  "])
async def test_registering_an_email_already_taken_in_any_letter_case_answers_like_a_new_one(
        client: GraphQLClient, again: str) -> None:
    first = await register(client, "Ann@Example.com")
    assert await register(client, again, password="another-long-one") == first
    assert (await count(client, User), await count(client, Customer)) == (1, 1)


@pytest.mark.parametrize(("changes", "code", "field"), [
    pytest.param({"password": "short"}, "INVALID", "password", id="password under 8 characters"),
    pytest.param({"password": "p" * 129}, "INVALID", "password", id="password over 128 characters"),
    pytest.param({"password": "correct-\x00-horse"}, "INVALID", "password", id="password with NUL"),
    pytest.param({"email": "not-an-email"}, "INVALID", "email", id="e-mail without @"),
    pytest.param({"email": "ann@example"}, "INVALID", "email", id="e-mail without a domain dot"),
    pytest.param({"email": "ann smith@example.com"}, "INVALID", "email", id="e-mail with a space"),
    pytest.param({"email": "a" * 250 + "@example.com"}, "INVALID", "email", id="e-mail too long"),
    pytest.param({"email": "  "}, "REQUIRED", "email", id="blank e-mail"),
    pytest.param({"name": "Ann\x00"}, "INVALID", "name", id="name with NUL"),
    pytest.param({"name": "A" * 201}, "INVALID", "name", id="name too long"),
])
async def test_registration_refuses_bad_input_and_creates_no_account(
        client: GraphQLClient, changes: dict[str, str], code: str, field: str) -> None:
    arguments = {"email": "ann@example.com", "password": PASSWORD, "name": "Ann"} | changes
    assert refusal(await register(client, **arguments)) == [(code, ["input", field])]
    assert (await count(client, User), await count(client, Customer)) == (0, 0)


# --- tokenCreate ---------------------------------------------------------------------------------

@pytest.mark.parametrize("email", ["clerk@example.com", " Clerk@Example.COM "])
async def test_the_right_password_gets_tokens_for_the_account(client: GraphQLClient, email: str) -> None:
    await factory.make_user(client.db, "clerk@example.com", Role.SUPPORT)
    payload = await sign_in(client, email)
    assert payload["userErrors"] == []
    assert payload["accessToken"] and payload["refreshToken"]
    assert payload["accessToken"] != payload["refreshToken"]
    assert await me(client, payload["accessToken"]) == {"email": "clerk@example.com", "roles": ["SUPPORT"],
                                                       "customer": None}


async def test_a_registered_customer_can_sign_in(client: GraphQLClient) -> None:
    await register(client, "ann@example.com", password="ann-s-long-password")
    payload = await sign_in(client, "ann@example.com", "ann-s-long-password")
    assert (await me(client, payload["accessToken"]) or {})["customer"] == {"email": "ann@example.com",
                                                                            "name": None}


async def test_wrong_password_and_unknown_email_get_the_same_refusal(client: GraphQLClient) -> None:
    await factory.make_user(client.db, "clerk@example.com", Role.SUPPORT)
    wrong_password = await sign_in(client, "clerk@example.com", "wrong-horse-battery")
    unknown_email = await sign_in(client, "nobody@example.com")
    assert [code for code, _ in refusal(wrong_password)] == ["INVALID_CREDENTIALS"]
    assert wrong_password == unknown_email


@pytest.mark.parametrize(("email", "password"), [
    pytest.param("", PASSWORD, id="blank e-mail"),
    pytest.param("clerk@example.com", "", id="blank password"),
    pytest.param("clerk@example.com\x00", PASSWORD, id="e-mail with NUL"),
    pytest.param("clerk@example.com", "p" * 10_000, id="huge password"),
])
async def test_malformed_credentials_get_the_same_refusal(client: GraphQLClient, email: str,
                                                          password: str) -> None:
    await factory.make_user(client.db, "clerk@example.com", Role.SUPPORT)
    expected = await sign_in(client, "nobody@example.com")
    assert await sign_in(client, email, password) == expected


# --- me ------------------------------------------------------------------------------------------

async def test_me_is_null_for_an_anonymous_caller(client: GraphQLClient) -> None:
    assert await me(client, None) is None


async def test_me_shows_a_customer_their_roles_and_customer_record(client: GraphQLClient) -> None:
    viewer = await factory.make_user(client.db, "ann@example.com", Role.CUSTOMER)
    assert await me(client, client.token_for(viewer)) == {
        "email": "ann@example.com", "roles": ["CUSTOMER"],
        "customer": {"email": "ann@example.com", "name": None}}


async def test_me_shows_staff_their_roles_and_no_customer_record(client: GraphQLClient) -> None:
    viewer = await factory.make_user(client.db, "boss@example.com", Role.SUPPORT, Role.MANAGER)
    assert await me(client, client.token_for(viewer)) == {
        "email": "boss@example.com", "roles": ["MANAGER", "SUPPORT"], "customer": None}


# --- bearer tokens that are refused ----------------------------------------------------------------

def unsigned(viewer: Viewer) -> str:
    """A JWT with "alg": "none" and the claims of a valid access token."""
    def part(value: Mapping[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")
    now = int(datetime.now(UTC).timestamp())
    claims = {"iss": ISSUER, "sub": str(viewer.user_id), "email": viewer.email, "roles": ["ADMIN"],
              "cid": None, "typ": "access", "iat": now, "exp": now + 900}
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


async def refresh_token(client: GraphQLClient, viewer: Viewer) -> str:
    return str((await sign_in(client, viewer.email))["refreshToken"])


def bearer(token: str) -> str:
    return f"Bearer {token}"


AuthorizationHeader = Callable[[GraphQLClient, Viewer], Awaitable[str]]


async def _malformed(client: GraphQLClient, viewer: Viewer) -> str:
    return bearer("not.a.jwt")


async def _other_key(client: GraphQLClient, viewer: Viewer) -> str:
    return bearer(issue_token(viewer, secret="another-secret-key-that-is-long-enough-too",
                              now=datetime.now(UTC), lifetime=timedelta(minutes=15)))


async def _expired(client: GraphQLClient, viewer: Viewer) -> str:
    return bearer(client.token_for(viewer, now=datetime.now(UTC) - timedelta(hours=1),
                                   lifetime=timedelta(minutes=15)))


async def _refresh(client: GraphQLClient, viewer: Viewer) -> str:
    return bearer(await refresh_token(client, viewer))


async def _unsigned(client: GraphQLClient, viewer: Viewer) -> str:
    return bearer(unsigned(viewer))


async def _empty(client: GraphQLClient, viewer: Viewer) -> str:
    return "Bearer "


async def _basic(client: GraphQLClient, viewer: Viewer) -> str:
    return "Basic " + base64.b64encode(f"{viewer.email}:{PASSWORD}".encode()).decode()


REFUSED_AUTHORIZATIONS = [
    pytest.param(_malformed, id="malformed token"),
    pytest.param(_other_key, id="token signed with another key"),
    pytest.param(_expired, id="expired token"),
    pytest.param(_refresh, id="refresh token used as access token"),
    pytest.param(_unsigned, id="unsigned token (alg none)"),
    pytest.param(_empty, id="Bearer without a token"),
    pytest.param(_basic, id="Basic credentials"),
]


def assert_unauthenticated(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["message"]
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}


@pytest.mark.parametrize("authorization", REFUSED_AUTHORIZATIONS)
async def test_a_refused_bearer_token_gets_401_unauthenticated_in_a_graphql_body(
        client: GraphQLClient, authorization: AuthorizationHeader) -> None:
    viewer = await factory.make_user(client.db, "boss@example.com", Role.ADMIN)
    header = await authorization(client, viewer)
    assert_unauthenticated(await client.post(ME, headers={"Authorization": header}))


@pytest.mark.parametrize("authorization", REFUSED_AUTHORIZATIONS)
async def test_a_refused_bearer_token_writes_nothing(client: GraphQLClient,
                                                    authorization: AuthorizationHeader) -> None:
    viewer = await factory.make_user(client.db, "boss@example.com", Role.ADMIN)
    header = await authorization(client, viewer)
    variables = {"input": {"email": "ann@example.com", "password": PASSWORD}}
    assert_unauthenticated(await client.post(CUSTOMER_REGISTER, variables, headers={"Authorization": header}))
    assert await count(client, Customer) == 0


async def test_a_valid_access_token_is_accepted(client: GraphQLClient) -> None:
    viewer = await factory.make_user(client.db, "boss@example.com", Role.ADMIN)
    response = await client.post(ME, token=client.token_for(viewer))
    assert response.status_code == 200
    assert response.json()["data"]["me"]["email"] == "boss@example.com"
