"""The session cookie's two forms: a server record's random id and key, or a visitor's sealed data."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from securedrop.crypto.sealing import SealError, derive_key, seal, unseal

ID_BYTES = 32
KEY_BYTES = 32
#: Marks a cookie that carries an anonymous visitor's (sealed) data instead of a record's id.
ANONYMOUS_PREFIX = "a."
#: All an anonymous visitor's session may hold: the CSRF secret that Flask-WTF signs its
#: form tokens with, the chosen language and the next page's notices. None of it names
#: an account or unlocks anything, so it lives in the browser and the server keeps no row
#: (a crawler or a flood of page views writes nothing). Anything else (an identity, a
#: pending codename's derivations, a 2FA secret being set up) needs a server-side record.
CLIENT_SIDE_KEYS = frozenset({"csrf_token", "locale", "_flashes"})


def fits_in_browser(data: Mapping[str, Any]) -> bool:
    """Whether a session holding only `data` (and no identity) may live in the cookie."""
    return set(data) <= CLIENT_SIDE_KEYS


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _b64decode(value: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None


def encode_record_cookie(session_id: bytes, key: bytes) -> str:
    return _b64encode(session_id + key)


def decode_record_cookie(value: str) -> tuple[bytes, bytes] | None:
    """The record id and key in `value`, or None if it is not a record cookie."""
    raw = _b64decode(value)
    if raw is None or len(raw) != ID_BYTES + KEY_BYTES:
        return None
    return raw[:ID_BYTES], raw[ID_BYTES:]


def anonymous_key(secret_key: str | bytes) -> bytes:
    """The key anonymous cookies are sealed under, derived from the app's secret key."""
    material = secret_key.encode("utf-8") if isinstance(secret_key, str) else secret_key
    return derive_key(material, b"securedrop anonymous session cookie")


def encode_anonymous_cookie(key: bytes, app_name: str, data: Mapping[str, Any]) -> str:
    # Sealed, not just signed: whoever copies the cookie cannot read the notices or the
    # language, and the other app (bound as associated data) cannot use it.
    return ANONYMOUS_PREFIX + _b64encode(seal(key, json.dumps(dict(data)).encode(), associated=app_name.encode()))


def decode_anonymous_cookie(key: bytes, app_name: str, value: str) -> dict[str, Any] | None:
    """The data in an anonymous cookie, or None if it is not one, was altered or is foreign."""
    if not value.startswith(ANONYMOUS_PREFIX):
        return None
    raw = _b64decode(value[len(ANONYMOUS_PREFIX):])
    if raw is None:
        return None
    try:
        data = json.loads(unseal(key, raw, associated=app_name.encode()))
    except (SealError, ValueError):
        return None
    if not isinstance(data, dict) or not fits_in_browser(data):
        return None
    return data
