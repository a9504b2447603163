"""Sessions: access tokens re-checked against the user's current roles and active flag, refresh
tokens that rotate within a sign-in family (a spent one presented again ends the family), sign-out,
and the account changes that revoke every refresh token (deactivation, roles, password), from the
services and from the `commerce user` CLI.

The API tests here run with COMMERCE_USER_CACHE_SECONDS=0 (changes show on the next request), except
`test_with_the_default_cache_a_demotion_shows_within_the_cache_bound`, which states the bound.
"""

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
import websockets.exceptions
from sqlalchemy import delete, select, update

from app import cli
from app.auth import ISSUER
from app.db import Database
from app.policy.permissions import Role
from app.services import accounts
from app.settings import Settings
from models import AuditEvent, RefreshToken, User
from tests.conftest import TEST_AUDIT_KEY, TEST_SECRET
from tests.support import factory
from tests.support.client import GraphQLClient, running_client
from tests.support.live import live_server
from tests.support.ws import subscribe

PASSWORD = "correct-horse-battery"  # what factory.make_user gives every user

TOKEN_FIELDS = "accessToken refreshToken userErrors { code message field }"
TOKEN_CREATE = f"mutation($input: TokenCreateInput!) {{ tokenCreate(input: $input) {{ {TOKEN_FIELDS} }} }}"
CUSTOMER_REGISTER = f"""mutation($input: CustomerRegisterInput!) {{
  customerRegister(input: $input) {{ {TOKEN_FIELDS} }} }}"""
TOKEN_REFRESH = f"mutation($input: TokenRefreshInput!) {{ tokenRefresh(input: $input) {{ {TOKEN_FIELDS} }} }}"
TOKEN_REVOKE = """mutation($input: TokenRevokeInput!) {
  tokenRevoke(input: $input) { userErrors { code message field } } }"""
ME = "{ me { email roles customer { email } } }"
CHANNEL_CREATE = """mutation($input: ChannelCreateInput!) {
  channelCreate(input: $input) { channel { slug } userErrors { code message field } } }"""
FULFILLMENT_UPDATES = "subscription { fulfillmentUpdated { toStatus } }"

INVALID_TOKEN = [("INVALID_TOKEN", ["input", "refreshToken"])]


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret_key=TEST_SECRET, env="development", run_relay=False,
                    user_cache_seconds=0)


# --- helpers -----------------------------------------------------------------------------------------

async def sign_in(client: GraphQLClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    payload = (await client.data(TOKEN_CREATE, {"input": {"email": email, "password": password}}))["tokenCreate"]
    return payload  # type: ignore[no-any-return]


async def signed_in(client: GraphQLClient, email: str) -> dict[str, Any]:
    payload = await sign_in(client, email)
    assert payload["userErrors"] == [] and payload["accessToken"] and payload["refreshToken"], payload
    return payload


async def refresh(client: GraphQLClient, refresh_token: str) -> dict[str, Any]:
    data = await client.data(TOKEN_REFRESH, {"input": {"refreshToken": refresh_token}})
    return data["tokenRefresh"]  # type: ignore[no-any-return]


async def revoke(client: GraphQLClient, refresh_token: str) -> list[tuple[str, list[str] | None]]:
    data = await client.data(TOKEN_REVOKE, {"input": {"refreshToken": refresh_token}})
    return [(e["code"], e["field"]) for e in data["tokenRevoke"]["userErrors"]]


def refused(payload: dict[str, Any]) -> list[tuple[str, list[str] | None]]:
    """The codes of a refused refresh, which must carry no token."""
    assert (payload["accessToken"], payload["refreshToken"]) == (None, None), payload
    assert all(e["message"] for e in payload["userErrors"])
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


async def me(client: GraphQLClient, access_token: str) -> dict[str, Any]:
    response = await client.post(ME, token=access_token)
    assert response.status_code == 200, response.text
    return response.json()["data"]["me"]  # type: ignore[no-any-return]


async def status_of(client: GraphQLClient, access_token: str) -> int:
    return (await client.post(ME, token=access_token)).status_code


async def create_channel(client: GraphQLClient, access_token: str) -> list[str]:
    slug = f"outlet-{uuid.uuid4().hex[:8]}"
    data = await client.data(CHANNEL_CREATE, {"input": {"slug": slug, "name": "Outlet"}}, token=access_token)
    return [e["code"] for e in data["channelCreate"]["userErrors"]]


async def audit_actions(db: Database) -> list[tuple[str, dict[str, Any] | None]]:
    import json

    async with db.read() as conn:
        rows = (await conn.execute(select(AuditEvent.action, AuditEvent.data).order_by(AuditEvent.sequence))).all()
    return [(action, json.loads(data) if data else None) for action, data in rows]


async def token_rows(db: Database, user_id: int) -> list[Any]:
    async with db.read() as conn:
        return list((await conn.execute(select(RefreshToken.__table__).where(RefreshToken.user_id == user_id)
                                        .order_by(RefreshToken.id))).all())


async def set_roles(db: Database, email: str, *roles: Role) -> accounts.UserChange:
    async with factory.uow(db) as work:
        return await accounts.set_roles(uow=work, email=email, roles=roles)


async def set_active(db: Database, email: str, active: bool) -> accounts.UserChange:
    async with factory.uow(db) as work:
        return await accounts.set_active(uow=work, email=email, active=active)


def forged(user_id: object, *, roles: list[str] | None = None) -> str:
    """An access token signed with the right key, with any `sub` and (as tokens once had) roles."""
    now = int(datetime.now(UTC).timestamp())
    claims = {"iss": ISSUER, "sub": user_id, "typ": "access", "iat": now, "exp": now + 900,
              "roles": roles or []}
    return jwt.encode(claims, TEST_SECRET, algorithm="HS256")


# --- access tokens: the user's current roles and active flag ----------------------------------------

async def test_a_demoted_admin_loses_admin_rights_on_the_next_request(client: GraphQLClient) -> None:
    admin = await factory.make_user(client.db, "boss@example.com", Role.ADMIN, Role.SUPPORT)
    token = client.token_for(admin)
    assert await create_channel(client, token) == []
    await set_roles(client.db, "boss@example.com", Role.SUPPORT)
    assert await create_channel(client, token) == ["PERMISSION_DENIED"]
    assert (await me(client, token))["roles"] == ["SUPPORT"]


async def test_a_promoted_user_gains_the_role_on_the_next_request(client: GraphQLClient) -> None:
    clerk = await factory.make_user(client.db, "clerk@example.com", Role.SUPPORT)
    token = client.token_for(clerk)
    assert await create_channel(client, token) == ["PERMISSION_DENIED"]
    await set_roles(client.db, "clerk@example.com", Role.SUPPORT, Role.ADMIN)
    assert await create_channel(client, token) == []


async def test_with_the_default_cache_a_demotion_shows_within_the_cache_bound(settings: Settings) -> None:
    """COMMERCE_USER_CACHE_SECONDS (30 by default) bounds how long a process serves a user's roles
    from memory: a demoted admin keeps admin rights until then, and not one second longer."""
    cached = settings.model_copy(update={"user_cache_seconds": 30.0})
    async with running_client(cached) as client:
        now = [1000.0]
        client.app.state.runtime["graphql"].viewers.clock = lambda: now[0]
        admin = await factory.make_user(client.db, "boss@example.com", Role.ADMIN)
        token = client.token_for(admin)
        assert await create_channel(client, token) == []
        await set_roles(client.db, "boss@example.com", Role.SUPPORT)
        now[0] += 29.9
        assert await create_channel(client, token) == []  # served from this process's cache
        now[0] += 0.1
        assert await create_channel(client, token) == ["PERMISSION_DENIED"]


async def test_a_deactivated_users_access_token_gets_401(client: GraphQLClient) -> None:
    clerk = await factory.make_user(client.db, "clerk@example.com", Role.SUPPORT)
    token = client.token_for(clerk)
    assert await status_of(client, token) == 200
    await set_active(client.db, "clerk@example.com", False)
    response = await client.post(ME, token=token)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
    await set_active(client.db, "clerk@example.com", True)
    assert await status_of(client, token) == 200


async def test_a_deleted_users_access_token_gets_401(client: GraphQLClient) -> None:
    clerk = await factory.make_user(client.db, "clerk@example.com", Role.SUPPORT)
    token = client.token_for(clerk)
    await signed_in(client, "clerk@example.com")  # a refresh token row goes with the user
    async with client.db.write_engine.begin() as conn:
        await conn.execute(delete(User).where(User.id == clerk.user_id))
    assert await status_of(client, token) == 401
    assert await token_rows(client.db, clerk.user_id) == []


@pytest.mark.parametrize("subject", ["abc", "-1", "1.0", " 1", "١", "99999999999", "", 1, None, ["1"]],
                         ids=repr)
async def test_an_access_token_whose_subject_is_not_a_user_id_gets_401(client: GraphQLClient,
                                                                       subject: object) -> None:
    await factory.make_user(client.db, "clerk@example.com", Role.SUPPORT)
    assert await status_of(client, forged(subject)) == 401


async def test_roles_written_into_a_token_grant_nothing(client: GraphQLClient) -> None:
    ann = await factory.make_user(client.db, "ann@example.com", Role.CUSTOMER)
    token = forged(str(ann.user_id), roles=["ADMIN"])
    assert (await me(client, token))["roles"] == ["CUSTOMER"]
    assert await create_channel(client, token) == ["PERMISSION_DENIED"]


async def test_access_tokens_name_the_user_and_carry_no_roles(client: GraphQLClient) -> None:
    await factory.make_user(client.db, "clerk@example.com", Role.SUPPORT)
    claims = jwt.decode((await signed_in(client, "clerk@example.com"))["accessToken"], TEST_SECRET,
                        algorithms=["HS256"], issuer=ISSUER)
    assert "roles" not in claims and claims["typ"] == "access"
    assert claims["exp"] - claims["iat"] == 15 * 60


async def test_a_deactivated_user_is_refused_at_websocket_connection_init(database_url: str) -> None:
    db = Database(database_url, audit_key=TEST_AUDIT_KEY)
    try:
        picker = await factory.make_user(db, "picker@example.com", Role.FULFILLMENT)
        async with live_server(database_url, TEST_SECRET,
                               extra_env={"COMMERCE_USER_CACHE_SECONDS": "0"}) as server:
            token = jwt.encode({"iss": ISSUER, "sub": str(picker.user_id), "typ": "access",
                                "exp": int(datetime.now(UTC).timestamp()) + 900}, TEST_SECRET, algorithm="HS256")
            async with subscribe(server.base_url, FULFILLMENT_UPDATES, token=token):
                pass  # acknowledged while active
            await set_active(db, "picker@example.com", False)
            with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
                async with subscribe(server.base_url, FULFILLMENT_UPDATES, token=token):
                    pass
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
    finally:
        await db.dispose()


# --- refresh tokens: rotation and reuse detection -------------------------------------------------

async def test_sign_in_returns_a_refresh_token_that_works_also_for_a_new_customer(client: GraphQLClient) -> None:
    await factory.make_user(client.db, "clerk@example.com", Role.SUPPORT)
    registered = (await client.data(CUSTOMER_REGISTER, {"input": {"email": "ann@example.com",
                                                                   "password": PASSWORD}}))["customerRegister"]
    assert registered["refreshToken"] is None  # sign-up starts no session: tokenCreate does
    for payload, email in ((await signed_in(client, "clerk@example.com"), "clerk@example.com"),
                           (await signed_in(client, "ann@example.com"), "ann@example.com")):
        renewed = await refresh(client, payload["refreshToken"])
        assert renewed["userErrors"] == []
        assert (await me(client, renewed["accessToken"]))["email"] == email


async def test_refresh_rotates_the_token_and_the_spent_one_is_refused(client: GraphQLClient) -> None:
    await factory.make_user(client.db, "ann@example.com", Role.CUSTOMER)
    first = await signed_in(client, "ann@example.com")
    second = await refresh(client, first["refreshToken"])
    assert second["userErrors"] == []
    assert second["refreshToken"] not in (None, first["refreshToken"])
    assert (await me(client, second["accessToken"]))["email"] == "ann@example.com"
    third = await refresh(client, second["refreshToken"])
    assert third["userErrors"] == []
    assert refused(await refresh(client, second["refreshToken"])) == INVALID_TOKEN


async def test_a_spent_refresh_token_presented_again_revokes_its_whole_family(client: GraphQLClient) -> None:
    ann = await factory.make_user(client.db, "ann@example.com", Role.CUSTOMER)
    stolen = (await signed_in(client, "ann@example.com"))["refreshToken"]
    other_device = (await signed_in(client, "ann@example.com"))["refreshToken"]
    rotated = (await refresh(client, stolen))["refreshToken"]  # the thief (or the user) refreshes first
    assert refused(await refresh(client, stolen)) == INVALID_TOKEN  # the other presents it again
    assert refused(await refresh(client, rotated)) == INVALID_TOKEN  # the rotated token is dead too
    assert (await refresh(client, other_device))["userErrors"] == []  # another sign-in is untouched
    reuse = [data for action, data in await audit_actions(client.db) if action == "session.reuse"]
    assert len(reuse) == 1 and reuse[0]["tokensRevoked"] == 2
    rows = await token_rows(client.db, ann.user_id)
    family = rows[0].family_id
    assert all(row.revoked_at is not None for row in rows if row.family_id == family)


async def test_refresh_tokens_are_opaque_and_stored_as_their_sha256(client: GraphQLClient) -> None:
    ann = await factory.make_user(client.db, "ann@example.com", Role.CUSTOMER)
    first = (await signed_in(client, "ann@example.com"))["refreshToken"]
    second = (await refresh(client, first))["refreshToken"]
    assert first.count(".") == 0 and len(first) >= 40  # not a JWT
    rows = await token_rows(client.db, ann.user_id)
    assert [row.token_hash for row in rows] == [hashlib.sha256(t.encode()).hexdigest() for t in (first, second)]
    assert rows[0].family_id == rows[1].family_id
    assert (rows[0].used_at is not None, rows[0].replaced_by_id) == (True, rows[1].id)
    assert (rows[1].used_at, rows[1].revoked_at) == (None, None)
    assert all(first not in str(tuple(row)) and second not in str(tuple(row)) for row in rows)


async def test_an_expired_refresh_token_is_refused(client: GraphQLClient) -> None:
    ann = await factory.make_user(client.db, "ann@example.com", Role.CUSTOMER)
    token = (await signed_in(client, "ann@example.com"))["refreshToken"]
    async with client.db.write_engine.begin() as conn:
        await conn.execute(update(RefreshToken).where(RefreshToken.user_id == ann.user_id)
                           .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert refused(await refresh(client, token)) == INVALID_TOKEN


@pytest.mark.parametrize("token", [
    pytest.param("x" * 43, id="unknown"),
    pytest.param("", id="empty"),
    pytest.param("x" * 100_000, id="huge"),
    pytest.param("abc\x00def", id="NUL"),
    pytest.param("ÿ" * 43, id="not ASCII"),
    pytest.param("ACCESS", id="an access token"),
])
async def test_unknown_or_malformed_refresh_tokens_are_refused(client: GraphQLClient, token: str) -> None:
    await factory.make_user(client.db, "ann@example.com", Role.CUSTOMER)
    if token == "ACCESS":
        token = (await signed_in(client, "ann@example.com"))["accessToken"]
    assert refused(await refresh(client, token)) == INVALID_TOKEN
    assert await revoke(client, token) == INVALID_TOKEN


async def test_concurrent_refreshes_of_one_token_give_exactly_one_success(client: GraphQLClient) -> None:
    """Real concurrent transactions (on PostgreSQL, separate connections): the conditional update
    lets one spend the token; the others are reuses, which end the family."""
    await factory.make_user(client.db, "ann@example.com", Role.CUSTOMER)
    token = (await signed_in(client, "ann@example.com"))["refreshToken"]
    results = await asyncio.gather(*(refresh(client, token) for _ in range(8)))
    winners = [r for r in results if r["userErrors"] == []]
    assert len(winners) == 1
    assert all(refused(r) == INVALID_TOKEN for r in results if r is not winners[0])
    assert refused(await refresh(client, winners[0]["refreshToken"])) == INVALID_TOKEN


# --- sign-out -----------------------------------------------------------------------------------------

async def test_token_revoke_ends_the_sign_in(client: GraphQLClient) -> None:
    ann = await factory.make_user(client.db, "ann@example.com", Role.CUSTOMER)
    first = (await signed_in(client, "ann@example.com"))["refreshToken"]
    other_device = (await signed_in(client, "ann@example.com"))["refreshToken"]
    current = (await refresh(client, first))["refreshToken"]
    assert await revoke(client, current) == []
    assert refused(await refresh(client, current)) == INVALID_TOKEN
    assert refused(await refresh(client, first)) == INVALID_TOKEN
    assert await revoke(client, current) == []  # a retried sign-out succeeds and changes nothing
    assert (await refresh(client, other_device))["userErrors"] == []
    revokes = [data for action, data in await audit_actions(client.db) if action == "session.revoke"]
    assert len(revokes) == 1 and revokes[0]["tokensRevoked"] == 2
    assert [r.revoked_at is None for r in await token_rows(client.db, ann.user_id)] == [False, True, False, True]


# --- account changes that revoke every refresh token -------------------------------------------------

async def test_a_role_change_revokes_every_refresh_token_of_the_user(client: GraphQLClient) -> None:
    await factory.make_user(client.db, "boss@example.com", Role.ADMIN)
    await factory.make_user(client.db, "clerk@example.com", Role.SUPPORT)
    laptop = (await signed_in(client, "boss@example.com"))["refreshToken"]
    phone = (await refresh(client, (await signed_in(client, "boss@example.com"))["refreshToken"]))["refreshToken"]
    bystander = (await signed_in(client, "clerk@example.com"))["refreshToken"]
    change = await set_roles(client.db, "boss@example.com", Role.MANAGER)
    assert (change.changed, change.roles, change.sessions_revoked) == (True, ["MANAGER"], 2)
    assert refused(await refresh(client, laptop)) == INVALID_TOKEN
    assert refused(await refresh(client, phone)) == INVALID_TOKEN
    assert (await refresh(client, bystander))["userErrors"] == []
    # Signing in again gives tokens for the new roles.
    assert (await me(client, (await signed_in(client, "boss@example.com"))["accessToken"]))["roles"] == ["MANAGER"]
    assert ("user.roles", {"email": "boss@example.com", "before": ["ADMIN"], "after": ["MANAGER"],
                           "sessionsRevoked": 2}) in await audit_actions(client.db)


async def test_setting_the_same_roles_changes_nothing(client: GraphQLClient) -> None:
    await factory.make_user(client.db, "boss@example.com", Role.ADMIN, Role.MANAGER)
    token = (await signed_in(client, "boss@example.com"))["refreshToken"]
    change = await set_roles(client.db, "boss@example.com", Role.MANAGER, Role.ADMIN)
    assert (change.changed, change.sessions_revoked) == (False, 0)
    assert (await refresh(client, token))["userErrors"] == []
    assert await audit_actions(client.db) == []


async def test_deactivation_revokes_every_refresh_token_and_refuses_sign_in(client: GraphQLClient) -> None:
    await factory.make_user(client.db, "clerk@example.com", Role.SUPPORT)
    session = await signed_in(client, "clerk@example.com")
    change = await set_active(client.db, "clerk@example.com", False)
    assert (change.changed, change.is_active, change.sessions_revoked) == (True, False, 1)
    assert refused(await refresh(client, session["refreshToken"])) == INVALID_TOKEN
    assert [e["code"] for e in (await sign_in(client, "clerk@example.com"))["userErrors"]] == ["INVALID_CREDENTIALS"]
    assert await status_of(client, session["accessToken"]) == 401
    assert (await set_active(client.db, "clerk@example.com", False)).changed is False
    await set_active(client.db, "clerk@example.com", True)
    assert refused(await refresh(client, session["refreshToken"])) == INVALID_TOKEN  # stays revoked
    assert (await refresh(client, (await signed_in(client, "clerk@example.com"))["refreshToken"]))["userErrors"] == []
    assert [action for action, _ in await audit_actions(client.db)] == ["user.deactivate", "user.activate"]


async def test_a_password_change_revokes_every_refresh_token(client: GraphQLClient) -> None:
    clerk = await factory.make_user(client.db, "clerk@example.com", Role.SUPPORT)
    token = (await signed_in(client, "clerk@example.com"))["refreshToken"]
    async with factory.uow(client.db) as work:
        change = await accounts.change_password(uow=work, user_id=clerk.user_id, password="a-new-long-password")
    assert change.sessions_revoked == 1
    assert refused(await refresh(client, token)) == INVALID_TOKEN
    assert (await sign_in(client, "clerk@example.com"))["accessToken"] is None
    assert (await sign_in(client, "clerk@example.com", "a-new-long-password"))["userErrors"] == []
    assert await audit_actions(client.db) == [("user.password", {"sessionsRevoked": 1})]


# --- the CLI: commerce user deactivate | activate | roles ----------------------------------------------

@pytest.fixture
async def cli_env(monkeypatch: pytest.MonkeyPatch, database_url: str) -> AsyncIterator[None]:
    monkeypatch.setenv("COMMERCE_DATABASE_URL", database_url)
    monkeypatch.setenv("COMMERCE_SECRET_KEY", TEST_SECRET)
    yield


async def commerce(*argv: str) -> int:
    """`commerce ...` in a thread: the CLI runs its own event loop and Database."""
    return await asyncio.to_thread(cli.main, list(argv))


@pytest.mark.usefixtures("cli_env")
async def test_cli_changes_roles_and_active_flag_and_revokes_refresh_tokens(
        client: GraphQLClient, capsys: pytest.CaptureFixture[str]) -> None:
    await factory.make_user(client.db, "boss@example.com", Role.ADMIN)
    session = await signed_in(client, "boss@example.com")

    assert await commerce("user", "roles", "--email", "Boss@Example.com", "--role", "SUPPORT", "--role",
                          "MANAGER") == 0
    assert capsys.readouterr().out == "boss@example.com: active, roles MANAGER, SUPPORT; sign-ins ended: 1\n"
    assert refused(await refresh(client, session["refreshToken"])) == INVALID_TOKEN
    assert (await me(client, session["accessToken"]))["roles"] == ["MANAGER", "SUPPORT"]

    assert await commerce("user", "deactivate", "--email", "boss@example.com") == 0
    assert "deactivated" in capsys.readouterr().out
    assert await status_of(client, session["accessToken"]) == 401

    assert await commerce("user", "activate", "--email", "boss@example.com") == 0
    assert capsys.readouterr().out == "boss@example.com: active, roles MANAGER, SUPPORT; sign-ins ended: 0\n"
    assert await status_of(client, session["accessToken"]) == 200

    assert [action for action, _ in await audit_actions(client.db)] == ["user.roles", "user.deactivate",
                                                                         "user.activate"]
    async with client.db.read() as conn:
        actors = (await conn.execute(select(AuditEvent.actor, AuditEvent.request_id))).all()
    assert {tuple(a) for a in actors} == {("anonymous", "cli")}


@pytest.mark.usefixtures("cli_env")
@pytest.mark.parametrize("argv", [
    ("user", "deactivate", "--email", "nobody@example.com"),
    ("user", "activate", "--email", "nobody@example.com"),
    ("user", "roles", "--email", "nobody@example.com", "--role", "ADMIN"),
])
async def test_cli_refuses_an_unknown_user(client: GraphQLClient, argv: tuple[str, ...]) -> None:
    with pytest.raises(SystemExit) as exited:
        await commerce(*argv)
    assert "There is no user with e-mail nobody@example.com" in str(exited.value.code)
    assert await audit_actions(client.db) == []


def test_cli_refuses_an_unknown_role() -> None:
    with pytest.raises(SystemExit):
        cli.parser().parse_args(["user", "roles", "--email", "a@example.com", "--role", "OWNER"])
