"""Where outbound webhooks may connect: the URL rules (app/policy/webhook_targets.py) plus the
addresses its host resolves to, every one of them public, checked at registration and again at
every delivery. The delivery then connects to an address that was checked (`VettedTarget`), never
to whatever a second lookup answers, so a name that resolves to a public address when checked and
to 127.0.0.1 a moment later (DNS rebinding) cannot reach the inside.

The resolver is a port: `system_resolve` asks getaddrinfo in the loop's thread pool (never
blocking the loop); tests inject their own, so no lookup leaves the machine.
"""

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from app.policy.webhook_targets import UnsafeWebhookUrl, WebhookUrl, is_public_address, parse_webhook_url

# Short error classes, as the delivery log keeps them (never raw exception text: a log that shows
# "connection refused" for one port and a timeout for another is a port scanner).
INVALID_URL = "invalid_url"
REFUSED_ADDRESS = "refused_address"
DNS_ERROR = "dns_error"


class Resolve(Protocol):
    async def __call__(self, host: str, port: int) -> Sequence[str]: ...


async def system_resolve(host: str, port: int) -> Sequence[str]:
    """Every address getaddrinfo gives for host, in its order (it runs in a worker thread)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class RefusedTarget(Exception):
    """A webhook URL that may not be sent to: `error_class` for the delivery log, `message` for an admin."""

    def __init__(self, error_class: str, message: str) -> None:
        super().__init__(message)
        self.error_class = error_class
        self.message = message


@dataclass(frozen=True, slots=True)
class VettedTarget:
    """A webhook URL and the addresses it was found to resolve to, every one of them allowed."""

    url: WebhookUrl
    addresses: tuple[str, ...]

    def url_for(self, address: str) -> str:
        """The URL with its host replaced by one of the vetted addresses: the client connects
        there, and sends the original host in the Host header and in TLS SNI (`headers`,
        `extensions`), so virtual hosts and certificate checks see the registered name."""
        host = f"[{address}]" if ":" in address else address
        return f"{self.url.scheme}://{host}:{self.url.port}{self.url.target}"

    @property
    def headers(self) -> dict[str, str]:
        return {"Host": self.url.host_header}

    @property
    def extensions(self) -> dict[str, str]:
        if self.url.scheme == "https" and not self.url.host_is_ip:
            return {"sni_hostname": self.url.host}
        return {}


@dataclass(frozen=True, slots=True)
class WebhookEgress:
    """Vets webhook URLs. `allow_private` (COMMERCE_WEBHOOK_ALLOW_PRIVATE) lets them reach
    loopback and private networks, for tests and private deployments; the URL rules still hold."""

    allow_private: bool = False
    resolve: Resolve = system_resolve
    resolve_timeout_seconds: float = 5.0

    async def vet(self, url: str) -> VettedTarget:
        try:
            parsed = parse_webhook_url(url)
        except UnsafeWebhookUrl as unsafe:
            raise RefusedTarget(INVALID_URL, unsafe.message) from None
        if parsed.host_is_ip:
            found: Sequence[str] = [parsed.host]
        else:
            try:
                found = await asyncio.wait_for(self.resolve(parsed.host, parsed.port), self.resolve_timeout_seconds)
            except (OSError, TimeoutError, UnicodeError):
                found = []
            if not found:
                raise RefusedTarget(DNS_ERROR, "The URL's host name could not be resolved.")
        addresses = []
        for text in found:
            try:
                address = ipaddress.ip_address(text)
            except ValueError:  # a resolver answer that is not an address (a scoped IPv6 one, say)
                raise RefusedTarget(REFUSED_ADDRESS, _NOT_PUBLIC) from None
            if not self.allow_private and not is_public_address(address):
                raise RefusedTarget(REFUSED_ADDRESS, _NOT_PUBLIC)
            addresses.append(str(address))
        return VettedTarget(parsed, tuple(dict.fromkeys(addresses)))


_NOT_PUBLIC = ("The URL's host is or resolves to an address that is not public (loopback, private, "
               "link-local, carrier-grade NAT, multicast or reserved); webhooks go to public addresses only.")
