"""Which URLs an outbound webhook may be sent to, and which addresses it may connect to. Pure.

A webhook URL names a public http(s) host: no credentials, a port in 1-65535, a DNS name in its
ASCII (punycode) form or a canonical IP literal. Numbers written the ways only the C resolver
accepts (2130706433, 0x7f000001, 017700000001, 127.1) are refused as they are written; the
addresses a name resolves to are judged by `is_public_address`, at registration and at delivery.
"""

import ipaddress
import re
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from urllib.parse import urlsplit

SCHEMES = {"http": 80, "https": 443}
URL_MAX = 2000
HOST_MAX = 253
LABEL_RE = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
# A last label that the WHATWG URL parser (and inet_aton) reads as a number: the host is an IPv4
# address in disguise unless it is the canonical dotted quad.
NUMERIC_LABEL_RE = re.compile(r"^(?:[0-9]+|0x[0-9a-f]*)$")

# Refused beside everything `is_global` already refuses: ranges some Python versions call global.
REFUSED_V4 = tuple(IPv4Network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
    "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4"))
REFUSED_V6 = tuple(IPv6Network(n) for n in (
    "::/8", "100::/64", "2001::/23", "2001:db8::/32", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8"))
# Prefixes whose addresses carry an IPv4 address that the packet ends up at (NAT64), judged by it.
NAT64 = (IPv6Network("64:ff9b::/96"), IPv6Network("64:ff9b:1::/48"))


class UnsafeWebhookUrl(ValueError):
    """A URL that no webhook may be sent to; `message` says why, in words an admin can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class WebhookUrl:
    scheme: str
    host: str  # lower-case name, or the IP address without brackets
    port: int
    target: str  # path and query, as sent
    explicit_port: bool

    @property
    def host_is_ip(self) -> bool:
        return _ip(self.host) is not None

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}" if self.explicit_port else host


def parse_webhook_url(url: str) -> WebhookUrl:
    """The parts of a webhook URL, or UnsafeWebhookUrl."""
    if len(url) > URL_MAX:
        raise UnsafeWebhookUrl(f"The URL must be at most {URL_MAX} characters.")
    if any(c <= " " or c == "\x7f" or c == "\\" for c in url) or not url.isascii():
        raise UnsafeWebhookUrl("The URL must not contain spaces, control characters, backslashes or "
                               "non-ASCII characters (write host names in their xn-- form).")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise UnsafeWebhookUrl("The URL is not a valid URL.") from None
    try:
        port = parts.port
    except ValueError:
        raise UnsafeWebhookUrl("The URL's port must be a number from 1 to 65535.") from None
    if parts.scheme not in SCHEMES:
        raise UnsafeWebhookUrl("The URL must be an absolute http or https URL.")
    if "@" in parts.netloc:
        raise UnsafeWebhookUrl("The URL must not contain a user name or password.")
    if port is not None and not 1 <= port <= 65535:
        raise UnsafeWebhookUrl("The URL's port must be a number from 1 to 65535.")
    host = _host(parts.netloc, parts.hostname or "")
    target = parts.path or "/"
    if parts.query:
        target += f"?{parts.query}"
    return WebhookUrl(scheme=parts.scheme, host=host, port=port or SCHEMES[parts.scheme], target=target,
                      explicit_port=port is not None)


def _host(netloc: str, hostname: str) -> str:
    if not hostname:
        raise UnsafeWebhookUrl("The URL must name a host.")
    if netloc.startswith("["):
        address = _ip(hostname)
        if not isinstance(address, IPv6Address) or "%" in hostname:
            raise UnsafeWebhookUrl("The URL's bracketed host must be an IPv6 address without a zone.")
        return str(address)
    name = hostname.removesuffix(".")
    labels = name.split(".")
    if NUMERIC_LABEL_RE.match(labels[-1]):
        address = _ip(name)
        if not isinstance(address, IPv4Address) or str(address) != name:
            raise UnsafeWebhookUrl("Write an IPv4 host as four decimal numbers (such as 203.0.113.7), "
                                   "not as one number, in octal or in hex.")
        return name
    if len(name) > HOST_MAX or not all(LABEL_RE.match(label) for label in labels):
        raise UnsafeWebhookUrl("The URL's host is not a valid host name.")
    return name


def _ip(text: str) -> IPv4Address | IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def is_public_address(address: str | IPv4Address | IPv6Address) -> bool:
    """True when an outbound webhook may connect to the address: globally routable unicast, not
    loopback, link-local, private, carrier-grade NAT, multicast, reserved, documentation or
    unspecified, nor an IPv6 address that carries (IPv4-mapped, NAT64, 6to4, Teredo) such an
    IPv4 address."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, IPv6Address):
        if ip.ipv4_mapped is not None:
            return is_public_address(ip.ipv4_mapped)
        if any(ip in net for net in NAT64):
            return is_public_address(IPv4Address(int(ip) & 0xFFFFFFFF))
        if ip.sixtofour is not None and not is_public_address(ip.sixtofour):
            return False
        if ip.teredo is not None:
            return False
        if ip.scope_id or ip.is_site_local or any(ip in net for net in REFUSED_V6):
            return False
    elif any(ip in net for net in REFUSED_V4) or ip == IPv4Address("255.255.255.255"):
        return False
    return ip.is_global and not (ip.is_multicast or ip.is_private or ip.is_reserved or ip.is_loopback
                                 or ip.is_link_local or ip.is_unspecified)
