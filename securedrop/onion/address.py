"""The onion address a stored service key publishes, computed offline (no tor needed).

A key file holds tor's *expanded* ed25519 secret (the clamped scalar and a nonce half),
not a seed, so the public key cannot come from `cryptography`'s Ed25519 API; it is the
scalar times the curve's base point, computed here with plain integer arithmetic.
This only derives a public value from a secret one, so timing leaks do not matter here:
it runs on the server that already holds the key, never on attacker-chosen input.
"""

from __future__ import annotations

import base64

from securedrop.onion.keys import check_service_key, onion_address_from_public_key

_P = 2**255 - 19
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_MINUS_ONE = pow(2, (_P - 1) // 4, _P)

_Point = tuple[int, int, int, int]  # extended coordinates X, Y, Z, T with x=X/Z, y=Y/Z, xy=T/Z


def _base_point() -> _Point:
    y = 4 * pow(5, _P - 2, _P) % _P
    xx = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    x = pow(xx, (_P + 3) // 8, _P)
    if (x * x - xx) % _P:
        x = x * _SQRT_MINUS_ONE % _P
    if x & 1:  # the standard base point has an even x
        x = _P - x
    return (x, y, 1, x * y % _P)


def _add(a: _Point, b: _Point) -> _Point:
    """Twisted Edwards addition (a = -1); complete, so it doubles too."""
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    aa = (y1 - x1) * (y2 - x2) % _P
    bb = (y1 + x1) * (y2 + x2) % _P
    cc = t1 * 2 * _D * t2 % _P
    dd = z1 * 2 * z2 % _P
    e, f, g, h = bb - aa, dd - cc, dd + cc, bb + aa
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _multiply(scalar: int, point: _Point) -> _Point:
    result: _Point = (0, 1, 1, 0)
    while scalar:
        if scalar & 1:
            result = _add(result, point)
        point = _add(point, point)
        scalar >>= 1
    return result


def _encode(point: _Point) -> bytes:
    x, y, z, _t = point
    inverse = pow(z, _P - 2, _P)
    x, y = x * inverse % _P, y * inverse % _P
    return (y | (x & 1) << 255).to_bytes(32, "little")


def public_key_from_service_key(blob: str) -> bytes:
    """The 32-byte ed25519 public key of an ED25519-V3 service key blob.

    Raises:
        CorruptKey: the blob is not a well-formed ED25519-V3 key.
    """
    expanded = base64.b64decode(check_service_key(blob).split(":", 1)[1])
    scalar = int.from_bytes(expanded[:32], "little")
    return _encode(_multiply(scalar, _base_point()))


def address_of_service_key(blob: str) -> str:
    """The 56-character onion address (without '.onion') the key publishes."""
    return onion_address_from_public_key(public_key_from_service_key(blob))
