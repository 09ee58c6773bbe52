"""The v2 hashing rule: BLAKE2s-256 of sorted-key compact JSON in raw UTF-8 (API_V2 §3)."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical(value: Any) -> bytes:
    """Keys sorted at every depth, no whitespace, non-ASCII as raw UTF-8 (no `\\u` escapes):
    byte-for-byte what the Inbox hashes, or its sync never converges."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def digest(data: bytes) -> str:
    """Lowercase hex BLAKE2s with its default 32-byte digest: no key, salt or personalisation."""
    return hashlib.blake2s(data).hexdigest()


def version(value: Any) -> str:
    """The version of a record or an index: the digest of exactly the object served."""
    return digest(canonical(value))
