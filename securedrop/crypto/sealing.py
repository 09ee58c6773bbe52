"""Authenticated encryption of small secrets (a source's secret key, session contents)."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from securedrop.crypto import CryptoError

NONCE_BYTES = 12


class SealError(CryptoError):
    """Raised when sealed data was altered or the key is wrong."""


def derive_key(secret: str | bytes, purpose: bytes) -> bytes:
    """A 256-bit AES key bound to `purpose`, from a high-entropy secret.

    `secret` is already the output of a slow derivation (scrypt) or 256 random bits,
    so a fast KDF is enough here; `purpose` keeps keys for different uses apart.
    """
    material = secret.encode("ascii") if isinstance(secret, str) else secret
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(material)


def seal(key: bytes, plaintext: bytes, associated: bytes = b"") -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, associated)


def unseal(key: bytes, sealed: bytes, associated: bytes = b"") -> bytes:
    """Raises: SealError: the data was altered or the key is wrong."""
    if len(sealed) < NONCE_BYTES + 16:
        raise SealError("sealed data too short")
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated)
    except InvalidTag as exc:
        raise SealError("sealed data was altered or the key is wrong") from exc
