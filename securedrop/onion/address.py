"""The onion address an ED25519-V3 service key file publishes, computed without tor."""

from __future__ import annotations

import base64

from securedrop.onion.keys import check_service_key, onion_address_from_public_key

# Edwards25519 (RFC 8032): tor keeps only the expanded secret (the clamped scalar and a
# nonce prefix), not the seed, so the public key is the scalar times the base point.
# cryptography's Ed25519 API takes seeds only, hence this small implementation. It
# handles secrets, but only to derive an address for an operator, never on a request path.
_P = 2**255 - 19
_D = -121665 * pow(121666, _P - 2, _P) % _P
_Point = tuple[int, int, int, int]  # extended coordinates (X, Y, Z, T)


def _recover_x(y: int, sign: int) -> int:
    xx = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    x = pow(xx, (_P + 3) // 8, _P)
    if (x * x - xx) % _P:
        x = x * pow(2, (_P - 1) // 4, _P) % _P
    return _P - x if x & 1 != sign else x


_BY = 4 * pow(5, _P - 2, _P) % _P
_BX = _recover_x(_BY, 0)
_BASE: _Point = (_BX, _BY, 1, _BX * _BY % _P)


def _add(p: _Point, q: _Point) -> _Point:
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a = (y1 - x1) * (y2 - x2) % _P
    b = (y1 + x1) * (y2 + x2) % _P
    c = t1 * 2 * _D * t2 % _P
    d = z1 * 2 * z2 % _P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _scalar_mult(scalar: int, point: _Point) -> _Point:
    result: _Point = (0, 1, 1, 0)
    while scalar:
        if scalar & 1:
            result = _add(result, point)
        point = _add(point, point)
        scalar >>= 1
    return result


def _encode(point: _Point) -> bytes:
    x, y, z, _t = point
    z_inv = pow(z, _P - 2, _P)
    x, y = x * z_inv % _P, y * z_inv % _P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def public_key_of_expanded(expanded: bytes) -> bytes:
    """The 32-byte ed25519 public key of tor's 64-byte expanded secret key."""
    return _encode(_scalar_mult(int.from_bytes(expanded[:32], "little"), _BASE))


def service_key_address(blob: str) -> str:
    """The 56-character address (without '.onion') a service key publishes.

    Raises:
        CorruptKey: `blob` is not a well-formed ED25519-V3 key.
    """
    raw = base64.b64decode(check_service_key(blob.strip()).split(":", 1)[1])
    return onion_address_from_public_key(public_key_of_expanded(raw))
