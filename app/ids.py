"""Relay global ids: opaque base64url of "TypeName:key"."""

import base64
import binascii


def encode_id(type_name: str, key: int | str) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{key}".encode()).decode().rstrip("=")


MAX_INT_KEY = 2**31 - 1


def int_key(text: str) -> int | None:
    """An integer primary key from its text: ASCII digits within the 32-bit id columns."""
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if value <= MAX_INT_KEY else None


def decode_id(global_id: str) -> tuple[str, str] | None:
    """(type name, key), or None when the text is not one of our ids."""
    if not global_id or len(global_id) > 200 or "\x00" in global_id:
        return None
    try:
        raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    type_name, sep, key = raw.partition(":")
    if not sep or not type_name or not key or "\x00" in raw:
        return None
    return type_name, key


def decode_int_id(global_id: str, type_name: str) -> int | None:
    decoded = decode_id(global_id)
    if decoded is None or decoded[0] != type_name:
        return None
    return int_key(decoded[1])
