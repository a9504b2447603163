"""A response cache for public catalog reads.

Only anonymous queries whose root fields are all public catalog fields are cached, keyed by the
document, variables, operation name and channel, together with the process's write version: every
unit of work that commits bumps it, so a write through this process is never followed by a stale
read. Writes through other processes (or time passing a campaign's window) show within
`COMMERCE_RESPONSE_CACHE_SECONDS`. Personalised data (a signed-in viewer, carts, orders) is never
cached; checkout re-checks stock and prices whatever a cached page said.
"""

import hashlib
import itertools
import time
from collections import OrderedDict
from functools import lru_cache

import orjson
from graphql import FieldNode, GraphQLSyntaxError, OperationDefinitionNode, OperationType, parse

PUBLIC_ROOT_FIELDS = frozenset({"products", "product", "categories", "category", "campaigns", "campaign",
                                "collections", "collection", "channels", "__typename"})
MAX_ENTRIES = 2048
MAX_BODY = 1024 * 1024
MAX_QUERY = 20_000

_writes = itertools.count(1)
_version = 0


def bump() -> None:
    """Called after every commit in this process."""
    global _version
    _version = next(_writes)


@lru_cache(maxsize=512)
def is_public_catalog_query(query: str, operation_name: str | None) -> bool:
    if len(query) > MAX_QUERY:
        return False
    try:
        document = parse(query)
    except GraphQLSyntaxError:
        return False
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)]
    if len(chosen) != 1 or chosen[0].operation != OperationType.QUERY:
        return False
    return all(isinstance(s, FieldNode) and s.name.value in PUBLIC_ROOT_FIELDS and not s.directives
               for s in chosen[0].selection_set.selections)


@lru_cache(maxsize=512)
def operation_name(query: str, requested: str | None) -> str | None:
    """The name of the operation a cached query runs (for a cache hit's log line and metrics)."""
    if requested is not None:
        return requested
    try:
        document = parse(query)
    except GraphQLSyntaxError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return operations[0].name.value if len(operations) == 1 and operations[0].name else None


class ResponseCache:
    def __init__(self, ttl_seconds: float) -> None:
        self.ttl = ttl_seconds
        self._entries: OrderedDict[str, tuple[int, float, bytes]] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.ttl > 0

    def key(self, payload: object, channel: str | None) -> str | None:
        """The cache key of a request body, or None when it must not be cached."""
        if not isinstance(payload, dict):
            return None
        query, variables, name = payload.get("query"), payload.get("variables"), payload.get("operationName")
        if not isinstance(query, str) or not (name is None or isinstance(name, str)):
            return None
        if variables is not None and not isinstance(variables, dict):
            return None
        if not is_public_catalog_query(query, name):
            return None
        try:
            material = orjson.dumps([query, variables or {}, name, channel], option=orjson.OPT_SORT_KEYS)
        except (orjson.JSONEncodeError, TypeError):
            return None
        return hashlib.sha256(material).hexdigest()

    def get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        version, expires, body = entry
        if version != _version or expires < time.monotonic():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return body

    def put(self, key: str, version: int, body: bytes) -> None:
        if len(body) > MAX_BODY or b'"errors"' in body:
            return
        self._entries[key] = (version, time.monotonic() + self.ttl, body)
        self._entries.move_to_end(key)
        while len(self._entries) > MAX_ENTRIES:
            self._entries.popitem(last=False)


def current_version() -> int:
    return _version
