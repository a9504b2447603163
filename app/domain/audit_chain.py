"""The audit hash chain: hash = sha256(prevHash + canonical event). Pure."""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

HASHED_FIELDS = ("sequence", "occurred_at", "actor", "action", "subject_type", "subject_id",
                 "from_status", "to_status", "data", "request_id", "approval_id")


def canonical_json(value: Any) -> str:
    """One spelling per value: sorted keys, no spaces, UTF-8 kept, Decimals and dates as text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical_event(fields: Mapping[str, Any]) -> str:
    event = {name: fields[name] for name in HASHED_FIELDS}
    occurred_at = event["occurred_at"]
    if isinstance(occurred_at, datetime):
        event["occurred_at"] = occurred_at.isoformat(timespec="microseconds")
    return canonical_json(event)


def chain_hash(prev_hash: str | None, fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(((prev_hash or "") + canonical_event(fields)).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    events_checked: int
    first_broken_sequence: int | None


class ChainVerifier:
    """Walks events in sequence order, one at a time (so a long chain need not fit in memory).
    The first event whose link or hash does not match breaks the chain; a deleted event shows as
    a gap in sequence or a prev_hash that no longer matches."""

    def __init__(self) -> None:
        self.prev_hash: str | None = None
        self.checked = 0
        self.broken_at: int | None = None

    def feed(self, event: Mapping[str, Any]) -> bool:
        """False once the chain is broken (and stays so)."""
        if self.broken_at is not None:
            return False
        self.checked += 1
        if (event["sequence"] != self.checked or event["prev_hash"] != self.prev_hash
                or chain_hash(self.prev_hash, event) != event["hash"]):
            self.broken_at = event["sequence"]
            return False
        self.prev_hash = event["hash"]
        return True

    def result(self) -> Verification:
        return Verification(self.broken_at is None, self.checked, self.broken_at)


def verify_chain(events: Iterable[Mapping[str, Any]]) -> Verification:
    verifier = ChainVerifier()
    for event in events:
        if not verifier.feed(event):
            break
    return verifier.result()
