"""Standard Webhooks signatures: `webhook-id`, `webhook-timestamp` and
`webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`."""

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping

TOLERANCE_SECONDS = 300
SECRET_PREFIX = "whsec_"
# Header values as Starlette hands them over (latin-1 text), read strictly: str.isdigit() accepts
# "²" and int() refuses more than 4,300 digits, so only these shapes get as far as int() and HMAC.
TIMESTAMP_RE = re.compile(r"[0-9]{1,12}")
WEBHOOK_ID_RE = re.compile(r"[\x21-\x7e]{1,200}")
SIGNATURES_RE = re.compile(r"[\x20-\x7e]{1,2000}")


class SignatureError(Exception):
    """A missing, malformed, stale or wrong signature."""


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _key(secret: str) -> bytes:
    if secret.startswith(SECRET_PREFIX):
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    return secret.encode()


def sign(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    content = f"{webhook_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(_key(secret), content, hashlib.sha256).digest()).decode()


def signed_headers(secret: str, webhook_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {"webhook-id": webhook_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(secret, webhook_id, timestamp, body), "content-type": "application/json"}


def verify(secret: str, headers: Mapping[str, str], body: bytes, *, now: int) -> str:
    """The webhook id of a genuine, fresh message; SignatureError otherwise."""
    webhook_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    signatures = headers.get("webhook-signature", "")
    if not (WEBHOOK_ID_RE.fullmatch(webhook_id) and TIMESTAMP_RE.fullmatch(timestamp)
            and SIGNATURES_RE.fullmatch(signatures)):
        raise SignatureError("missing or malformed webhook headers")
    if abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        raise SignatureError("stale or future timestamp")
    expected = sign(secret, webhook_id, int(timestamp), body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures.split()):
        raise SignatureError("signature does not match")
    return webhook_id
