"""The audit hash chain: hash = HMAC-SHA256(audit key, prevHash + canonical event). Pure.

The key is kept outside the database (COMMERCE_AUDIT_KEY), so someone who can write rows but does
not hold the key cannot append or rewrite an event that verifies."""

import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

HASHED_FIELDS = ("sequence", "occurred_at", "actor", "action", "subject_type", "subject_id",
                 "from_status", "to_status", "data", "request_id", "approval_id")

# A link's hash from the previous link's hash (None for the first event) and the event's fields.
ChainHash = Callable[[str | None, Mapping[str, Any]], str]


def canonical_json(value: Any) -> str:
    """One spelling per value: sorted keys, no spaces, UTF-8 kept, Decimals and dates as text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical_event(fields: Mapping[str, Any]) -> str:
    event = {name: fields[name] for name in HASHED_FIELDS}
    occurred_at = event["occurred_at"]
    if isinstance(occurred_at, datetime):
        event["occurred_at"] = occurred_at.isoformat(timespec="microseconds")
    return canonical_json(event)


def _message(prev_hash: str | None, fields: Mapping[str, Any]) -> bytes:
    return ((prev_hash or "") + canonical_event(fields)).encode()


def chain_hash(key: bytes, prev_hash: str | None, fields: Mapping[str, Any]) -> str:
    return hmac.new(key, _message(prev_hash, fields), hashlib.sha256).hexdigest()


def keyed(key: bytes) -> ChainHash:
    """The chain hash under one key."""
    return partial(chain_hash, key)


def unkeyed_chain_hash(prev_hash: str | None, fields: Mapping[str, Any]) -> str:
    """The chain before migration 0008: plain sha256, which anyone can recompute for a forged row.
    Kept only so that the migration can check an old chain before re-chaining it with the key."""
    return hashlib.sha256(_message(prev_hash, fields)).hexdigest()


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    events_checked: int
    first_broken_sequence: int | None


class ChainVerifier:
    """Walks events in sequence order, one at a time (so a long chain need not fit in memory).
    The first event whose link or hash does not match breaks the chain; a deleted event shows as
    a gap in sequence or a prev_hash that no longer matches."""

    def __init__(self, link_hash: ChainHash) -> None:
        self.link_hash = link_hash
        self.prev_hash: str | None = None
        self.checked = 0
        self.broken_at: int | None = None

    def feed(self, event: Mapping[str, Any]) -> bool:
        """False once the chain is broken (and stays so)."""
        if self.broken_at is not None:
            return False
        self.checked += 1
        if (event["sequence"] != self.checked or event["prev_hash"] != self.prev_hash
                or self.link_hash(self.prev_hash, event) != event["hash"]):
            self.broken_at = event["sequence"]
            return False
        self.prev_hash = event["hash"]
        return True

    def result(self) -> Verification:
        return Verification(self.broken_at is None, self.checked, self.broken_at)


def verify_chain(events: Iterable[Mapping[str, Any]], link_hash: ChainHash) -> Verification:
    verifier = ChainVerifier(link_hash)
    for event in events:
        if not verifier.feed(event):
            break
    return verifier.result()
