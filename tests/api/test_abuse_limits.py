"""Abuse limits over GraphQL and the webhook routes: rate limits with RATE_LIMITED and retryAfter
(time moved by an injected clock, never slept), a sign-up that does not reveal accounts, and the
password policy."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from app.policy.permissions import Role
from app.rate_limits import MemoryRateLimiter
from app.settings import Settings
from models import AuditEvent, Customer, User
from tests.support import factory
from tests.support.client import GraphQLClient, running_client
from tests.support.shop import build_shop

PASSWORD = "correct-horse-battery"
ERRORS = "userErrors { code message field retryAfter }"
TOKEN_CREATE = f"""mutation($input: TokenCreateInput!) {{
  tokenCreate(input: $input) {{ accessToken refreshToken {ERRORS} }} }}"""
CUSTOMER_REGISTER = f"""mutation($input: CustomerRegisterInput!) {{
  customerRegister(input: $input) {{ accessToken refreshToken {ERRORS} }} }}"""
TOKEN_REFRESH = f"""mutation($input: TokenRefreshInput!) {{
  tokenRefresh(input: $input) {{ accessToken refreshToken {ERRORS} }} }}"""
CART_CREATE = f"""mutation($input: CartCreateInput!) {{
  cartCreate(input: $input) {{ cart {{ id }} {ERRORS} }} }}"""
PROMO_APPLY = f"""mutation($input: CartPromoCodeInput!) {{
  cartPromoCodeApply(input: $input) {{ cart {{ id }} {ERRORS} }} }}"""


class Clock:
    def __init__(self) -> None:
        self.now = 10_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(client: GraphQLClient) -> Clock:
    """The app's limiter reads this clock: tests move time instead of sleeping."""
    clock = Clock()
    limiter = client.app.state.runtime["limiter"]
    assert isinstance(limiter, MemoryRateLimiter)
    limiter.clock = clock
    return clock


async def sign_in(client: GraphQLClient, email: str, password: str) -> dict[str, Any]:
    return (await client.data(TOKEN_CREATE, {"input": {"email": email, "password": password}}))["tokenCreate"]


async def register(client: GraphQLClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    data = await client.data(CUSTOMER_REGISTER, {"input": {"email": email, "password": password, "name": "Ann"}})
    return data["customerRegister"]  # type: ignore[no-any-return]


def codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]


async def count(client: GraphQLClient, model: type[Any]) -> int:
    async with client.db.read() as conn:
        return int(await conn.scalar(select(func.count()).select_from(model)) or 0)


# --- tokenCreate -----------------------------------------------------------------------------------

async def test_25_wrong_passwords_in_a_minute_are_rate_limited_and_the_right_one_works_after_the_window(
        client: GraphQLClient, clock: Clock) -> None:
    await factory.make_user(client.db, "ann@example.com", Role.CUSTOMER)
    answers = []
    for attempt in range(25):
        clock.now = 10_000 + attempt * 2  # 25 attempts within 50 seconds
        answers.append(await sign_in(client, "ann@example.com", f"wrong-guess-{attempt}"))
    assert [codes(a) for a in answers[:10]] == [["INVALID_CREDENTIALS"]] * 10
    limited = answers[10:]
    assert all(codes(a) == ["RATE_LIMITED"] for a in limited)
    assert all(a["accessToken"] is None for a in limited)
    error = limited[0]["userErrors"][0]
    assert error["field"] == ["input"]
    assert error["retryAfter"] == 40  # the first attempt (t=0) leaves the window at t=60; now t=20
    assert "try again in 40 seconds" in error["message"]
    # while limited, even the right password is refused (it is not even checked)
    assert codes(await sign_in(client, "ann@example.com", PASSWORD)) == ["RATE_LIMITED"]
    clock.now = 10_000 + 48 + 61  # a minute after the last counted attempt
    welcome = await sign_in(client, "ANN@example.com ", PASSWORD)
    assert welcome["userErrors"] == [] and welcome["accessToken"]


async def test_the_sign_in_limit_per_email_does_not_lock_out_other_accounts(
        client: GraphQLClient, clock: Clock) -> None:
    await factory.make_user(client.db, "bob@example.com", Role.CUSTOMER)
    for attempt in range(12):
        await sign_in(client, "ann@example.com", f"guess-{attempt}")
    assert (await sign_in(client, "bob@example.com", PASSWORD))["userErrors"] == []


@pytest.fixture
def settings(database_url: str) -> Settings:
    from tests.conftest import TEST_SECRET

    return Settings(database_url=database_url, secret_key=TEST_SECRET, run_relay=False,
                    signin_attempts_per_minute_per_client=12, token_refreshes_per_minute=3,
                    promo_attempts_per_minute_per_client=4, promo_attempts_per_minute_per_cart=2,
                    registrations_per_hour_per_client=4, webhooks_per_minute=2,
                    warehouse_webhook_secret="whsec_dGVzdA==")


async def test_one_client_spraying_many_emails_is_limited_per_address(client: GraphQLClient, clock: Clock) -> None:
    answers = [await sign_in(client, f"user-{n}@example.com", "some-guess-here") for n in range(14)]
    assert [codes(a) for a in answers] == [["INVALID_CREDENTIALS"]] * 12 + [["RATE_LIMITED"]] * 2
    clock.now += 60
    assert codes(await sign_in(client, "user-20@example.com", "some-guess-here")) == ["INVALID_CREDENTIALS"]


# --- tokenRefresh ----------------------------------------------------------------------------------

async def test_token_refreshes_are_limited_per_client(client: GraphQLClient, clock: Clock) -> None:
    answers = [(await client.data(TOKEN_REFRESH, {"input": {"refreshToken": f"made-up-{n}"}}))["tokenRefresh"]
               for n in range(4)]
    assert [codes(a) for a in answers] == [["INVALID_TOKEN"]] * 3 + [["RATE_LIMITED"]]
    assert answers[-1]["userErrors"][0]["retryAfter"] == 60


# --- promo codes -----------------------------------------------------------------------------------

async def test_promo_code_guesses_are_limited_per_cart_and_per_client(client: GraphQLClient, clock: Clock) -> None:
    shop = await build_shop(client)
    cart = (await shop.create_cart({"TEE-0": 1}))["cart"]["id"]
    guesses = [(await client.data(PROMO_APPLY, {"input": {"cartId": cart, "code": f"GUESS{n}"}}))[
        "cartPromoCodeApply"] for n in range(3)]
    assert [codes(g) for g in guesses] == [["PROMO_NOT_APPLICABLE"]] * 2 + [["RATE_LIMITED"]]
    assert guesses[-1]["userErrors"][0]["field"] == ["input", "code"]
    # a fresh cart does not get around the limit per client
    created = [(await client.data(CART_CREATE, {"input": {"channel": shop.channel, "promoCode": f"TRY{n}"}}))[
        "cartCreate"] for n in range(3)]
    assert [codes(c) for c in created] == [["PROMO_NOT_APPLICABLE"]] * 2 + [["RATE_LIMITED"]]
    assert created[-1]["userErrors"][0]["field"] == ["input", "promoCode"]
    assert created[-1]["cart"] is None
    # carts without a code are not promo attempts
    plain = await client.data(CART_CREATE, {"input": {"channel": shop.channel}})
    assert plain["cartCreate"]["userErrors"] == []
    clock.now += 60
    again = await client.data(PROMO_APPLY, {"input": {"cartId": cart, "code": "GUESS9"}})
    assert codes(again["cartPromoCodeApply"]) == ["PROMO_NOT_APPLICABLE"]


# --- webhooks --------------------------------------------------------------------------------------

async def test_webhook_calls_beyond_the_limit_per_source_get_429_with_retry_after(
        client: GraphQLClient, clock: Clock) -> None:
    statuses = [(await client.http.post("/webhooks/warehouse", content=b"{}")).status_code for _ in range(2)]
    assert statuses == [401, 401]  # unsigned: counted, then refused
    limited = await client.http.post("/webhooks/warehouse", content=b"{}")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "60"
    assert limited.json()["errors"][0]["code"] == "RATE_LIMITED"
    clock.now += 60
    assert (await client.http.post("/webhooks/payments/test", content=b"{}")).status_code != 429


# --- customerRegister ------------------------------------------------------------------------------

async def test_registering_a_taken_email_answers_exactly_like_a_new_one_and_changes_nothing(
        client: GraphQLClient, clock: Clock) -> None:
    await factory.make_user(client.db, "ann@example.com", Role.CUSTOMER)
    before = (await count(client, User), await count(client, Customer), await count(client, AuditEvent))
    taken = await client.post(CUSTOMER_REGISTER, {"input": {"email": "Ann@Example.com", "password": "other-long-pass",
                                                            "name": "Ann"}})
    fresh = await client.post(CUSTOMER_REGISTER, {"input": {"email": "bea@example.com", "password": "other-long-pass",
                                                            "name": "Ann"}})
    assert taken.status_code == fresh.status_code == 200
    assert taken.content == fresh.content  # byte for byte
    assert taken.json()["data"]["customerRegister"] == {"accessToken": None, "refreshToken": None, "userErrors": []}
    assert (await count(client, User), await count(client, Customer)) == (before[0] + 1, before[1] + 1)
    # the taken account keeps its password; the new one signs in with its own
    assert (await sign_in(client, "ann@example.com", PASSWORD))["userErrors"] == []
    assert codes(await sign_in(client, "ann@example.com", "other-long-pass")) == ["INVALID_CREDENTIALS"]
    assert (await sign_in(client, "bea@example.com", "other-long-pass"))["userErrors"] == []


async def test_registrations_are_limited_per_client_alike_for_taken_and_new_emails(
        client: GraphQLClient, clock: Clock) -> None:
    await factory.make_user(client.db, "ann@example.com", Role.CUSTOMER)
    answers = [await register(client, email) for email in
               ("ann@example.com", "new-1@example.com", "ann@example.com", "new-2@example.com", "new-3@example.com")]
    assert [codes(a) for a in answers] == [[], [], [], [], ["RATE_LIMITED"]]
    assert answers[-1]["userErrors"][0]["retryAfter"] == 3600


@pytest.mark.parametrize("password", ["password", "PASSWORD", " " * 8, "12345678", "qwertyui", "iloveyou",
                                      "Password123"])
async def test_weak_passwords_are_refused_at_registration(client: GraphQLClient, password: str) -> None:
    payload = await register(client, "ann@example.com", password)
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [("INVALID", ["input", "password"])]
    assert await count(client, User) == 0


async def test_weak_passwords_are_refused_by_the_password_change_service(client: GraphQLClient) -> None:
    from app.domain.errors import DomainError
    from app.services.accounts import change_password

    viewer = await factory.make_user(client.db, "ann@example.com", Role.CUSTOMER)
    with pytest.raises(DomainError) as refused:
        async with factory.uow(client.db) as uow:
            await change_password(uow=uow, user_id=viewer.user_id, password="iloveyou1")
    assert [(p.code, p.field) for p in refused.value.problems] == [("INVALID", ("input", "password"))]


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[GraphQLClient]:
    async with running_client(settings) as c:
        yield c
