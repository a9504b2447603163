"""webhookEndpointCreate refuses URLs that would point the server at itself or its network (SSRF),
on SQLite and PostgreSQL. Literal addresses and `localhost` only: no lookup leaves the machine;
host names are answered by an injected resolver."""

from collections.abc import Sequence
from typing import Any

import pytest

from app.integrations.egress import WebhookEgress
from app.settings import Settings
from tests.conftest import TEST_SECRET
from tests.support import factory
from tests.support.client import GraphQLClient, running_client

ENDPOINT_CREATE = """
mutation($input: WebhookEndpointCreateInput!) { webhookEndpointCreate(input: $input) {
  endpoint { url } userErrors { code field message } } }
"""

SSRF_URLS = [
    "http://127.0.0.1/hook", "http://127.0.0.1:6379/", "http://localhost:8000/hook", "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.5/hook", "http://192.168.1.10/hook", "http://172.16.0.1/hook", "http://[::1]/hook",
    "http://[fc00::1]/hook", "http://0.0.0.0/hook", "http://2130706433/", "http://0x7f000001/",
    "http://017700000001/", "http://127.1/", "http://100.64.0.1/hook", "http://[::ffff:127.0.0.1]/hook",
    "http://[fe80::1]/hook", "http://hooks.example.com:99999/hook", "ftp://hooks.example.com/hook",
    "http://admin:secret@hooks.example.com/hook", "http://user@93.184.216.34/hook",
]


async def create(client: GraphQLClient, token: str, url: str) -> dict[str, Any]:
    return (await client.data(ENDPOINT_CREATE, {"input": {"url": url}}, token=token))["webhookEndpointCreate"]


def answering(answers: dict[str, Sequence[str]]) -> WebhookEgress:
    async def resolve(host: str, port: int) -> Sequence[str]:
        return answers[host]
    return WebhookEgress(resolve=resolve)


@pytest.fixture
async def admin(client: GraphQLClient) -> str:
    return client.token_for(await factory.make_user(client.db, "admin@example.com", factory.Role.ADMIN))


async def test_internal_and_malformed_webhook_urls_are_refused_at_registration(client: GraphQLClient,
                                                                               admin: str) -> None:
    for url in SSRF_URLS:
        created = await create(client, admin, url)
        assert created["endpoint"] is None, url
        assert [(e["code"], e["field"]) for e in created["userErrors"]] == [("INVALID", ["input", "url"])], url
    endpoints = await client.data("{ webhookEndpoints { url } }", token=admin)
    assert endpoints["webhookEndpoints"] == []


async def test_a_public_address_is_accepted(client: GraphQLClient, admin: str) -> None:
    created = await create(client, admin, "https://93.184.216.34/hook")
    assert (created["userErrors"], created["endpoint"]) == ([], {"url": "https://93.184.216.34/hook"})


async def test_a_host_name_is_refused_when_any_of_its_addresses_is_internal(client: GraphQLClient,
                                                                            admin: str) -> None:
    client.app.state.runtime["graphql"].webhook_egress = answering({
        "crm.example.com": ["93.184.216.34", "2606:4700::1111"],
        "sneaky.example.com": ["93.184.216.34", "10.0.0.5"],
        "metadata.example.com": ["169.254.169.254"],
    })
    assert (await create(client, admin, "https://crm.example.com/hook"))["userErrors"] == []
    for url in ("https://sneaky.example.com/hook", "https://metadata.example.com/hook"):
        assert [e["code"] for e in (await create(client, admin, url))["userErrors"]] == ["INVALID"]


async def test_only_admins_make_the_server_resolve_a_host_name(client: GraphQLClient) -> None:
    lookups: list[str] = []

    async def resolve(host: str, port: int) -> Sequence[str]:
        lookups.append(host)
        return ["93.184.216.34"]

    client.app.state.runtime["graphql"].webhook_egress = WebhookEgress(resolve=resolve)
    manager = client.token_for(await factory.make_user(client.db, "manager@example.com", factory.Role.MANAGER))
    denied = await create(client, manager, "https://crm.example.com/hook")
    assert [e["code"] for e in denied["userErrors"]] == ["PERMISSION_DENIED"]
    assert lookups == []


async def test_allowing_private_networks_accepts_loopback_but_not_disguised_addresses(database_url: str) -> None:
    settings = Settings(database_url=database_url, secret_key=TEST_SECRET, env="development", run_relay=False,
                        webhook_allow_private=True)
    async with running_client(settings) as client:
        admin = client.token_for(await factory.make_user(client.db, "admin@example.com", factory.Role.ADMIN))
        for url in ("http://127.0.0.1:8080/hook", "http://localhost:8080/hook", "http://10.0.0.5/hook"):
            assert (await create(client, admin, url))["userErrors"] == [], url
        for url in ("http://2130706433/", "http://0x7f000001/", "http://127.0.0.1:99999/", "http://u@127.0.0.1/"):
            assert [e["code"] for e in (await create(client, admin, url))["userErrors"]] == ["INVALID"], url
