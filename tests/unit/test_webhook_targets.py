"""Webhook URL rules and the public-address test (app/policy/webhook_targets.py), and the vetting
of resolved addresses (app/integrations/egress.py) with an injected resolver: no DNS."""

from collections.abc import Sequence

import pytest

from app.integrations.egress import DNS_ERROR, INVALID_URL, REFUSED_ADDRESS, RefusedTarget, WebhookEgress
from app.policy.webhook_targets import UnsafeWebhookUrl, is_public_address, parse_webhook_url


@pytest.mark.parametrize("url", [
    "ftp://hooks.example.com/x", "file:///etc/passwd", "gopher://hooks.example.com/", "//hooks.example.com/x",
    "hooks.example.com/x", "http:///x", "http://user:pass@hooks.example.com/x", "http://user@hooks.example.com/x",
    "http://hooks.example.com:99999/x", "http://hooks.example.com:0/x", "http://hooks.example.com:port/x",
    "http://2130706433/", "http://0x7f000001/", "http://017700000001/", "http://127.1/", "http://0177.0.0.1/",
    "http://127.0.0.01/", "http://1.2.3.0x4/", "http://[fe80::1%25eth0]/", "http://[::1/", "http://exa mple.com/",
    "http://hooks.example.com\\@127.0.0.1/", "http://bücher.example/", "http://-bad-.example.com/",
    "http://%31%32%37.0.0.1/", "http://hooks.example.com/" + "x" * 2000,
])
def test_urls_that_are_not_plain_http_to_a_named_host_are_unsafe(url: str) -> None:
    with pytest.raises(UnsafeWebhookUrl):
        parse_webhook_url(url)


def test_a_webhook_url_keeps_its_host_header_and_target() -> None:
    url = parse_webhook_url("https://Hooks.Example.com:8443/in/crm?tenant=7#frag")
    assert (url.scheme, url.host, url.port, url.target, url.host_header) == (
        "https", "hooks.example.com", 8443, "/in/crm?tenant=7", "hooks.example.com:8443")
    assert parse_webhook_url("http://[2606:4700::1]/").host_header == "[2606:4700::1]"
    assert parse_webhook_url("http://93.184.216.34").target == "/"


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.255.0.9", "0.0.0.0", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
    "169.254.169.254", "100.64.0.1", "100.127.255.254", "192.0.0.8", "192.0.2.1", "198.18.0.1", "203.0.113.9",
    "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
    "::", "::1", "fe80::1", "fec0::1", "fc00::1", "fd12:3456::1", "ff02::1", "2001:db8::1", "100::1",
    "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.0.0.1", "::127.0.0.1", "64:ff9b::7f00:1",
    "64:ff9b::a9fe:a9fe", "2002:7f00:1::1", "2002:a00:1::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2",
])
def test_internal_addresses_are_not_public(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize("address", [
    "93.184.216.34", "8.8.8.8", "1.1.1.1", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1",
])
def test_public_addresses_are_public(address: str) -> None:
    assert is_public_address(address)


def resolver(answers: dict[str, Sequence[str]]):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> Sequence[str]:
        if host not in answers:
            raise OSError(f"no such host {host}")
        return answers[host]
    return resolve


async def refusal(egress: WebhookEgress, url: str) -> str:
    with pytest.raises(RefusedTarget) as refused:
        await egress.vet(url)
    return refused.value.error_class


async def test_every_resolved_address_must_be_public() -> None:
    egress = WebhookEgress(resolve=resolver({"hooks.example.com": ["93.184.216.34", "2606:4700::1111"],
                                             "mixed.example.com": ["93.184.216.34", "127.0.0.1"],
                                             "metadata.example.com": ["169.254.169.254"]}))
    target = await egress.vet("https://hooks.example.com/in")
    assert target.addresses == ("93.184.216.34", "2606:4700::1111")
    assert target.url_for("2606:4700::1111") == "https://[2606:4700::1111]:443/in"
    assert (target.headers, target.extensions) == ({"Host": "hooks.example.com"},
                                                   {"sni_hostname": "hooks.example.com"})
    assert await refusal(egress, "https://mixed.example.com/in") == REFUSED_ADDRESS
    assert await refusal(egress, "https://metadata.example.com/in") == REFUSED_ADDRESS
    assert await refusal(egress, "https://unknown.example.com/in") == DNS_ERROR
    assert await refusal(egress, "http://2130706433/") == INVALID_URL


async def test_allowing_private_addresses_keeps_the_url_rules() -> None:
    egress = WebhookEgress(allow_private=True, resolve=resolver({"receiver.internal": ["10.0.0.7"]}))
    assert (await egress.vet("http://receiver.internal:8080/x")).addresses == ("10.0.0.7",)
    assert (await egress.vet("http://127.0.0.1:8080/x")).extensions == {}
    assert await refusal(egress, "http://0x7f000001/") == INVALID_URL
    assert await refusal(egress, "http://user@127.0.0.1/") == INVALID_URL
