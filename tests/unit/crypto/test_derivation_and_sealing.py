"""scrypt derivations with two peppers, and AES-GCM sealing."""

from __future__ import annotations

import os

import pytest

from securedrop.crypto.derivation import CodenameHasher
from securedrop.crypto.sealing import SealError, derive_key, seal, unseal


def test_two_peppers_give_two_unrelated_104_char_values() -> None:
    hasher = CodenameHasher(os.urandom(32), os.urandom(32))
    derived = hasher.derive("alpha beta gamma delta epsilon zeta eta")
    assert len(derived.filesystem_id) == 104 and len(derived.key_passphrase) == 104
    assert derived.filesystem_id != derived.key_passphrase
    assert hasher.filesystem_id("alpha beta gamma delta epsilon zeta eta") == derived.filesystem_id


def test_peppers_matter() -> None:
    codename = "alpha beta gamma delta epsilon zeta eta"
    first = CodenameHasher(os.urandom(32), os.urandom(32)).derive(codename)
    second = CodenameHasher(os.urandom(32), os.urandom(32)).derive(codename)
    assert first.filesystem_id != second.filesystem_id


def test_matches_scrypt_parameters_of_the_reference() -> None:
    import base64
    import hashlib

    pepper = os.urandom(32)
    hasher = CodenameHasher(pepper, os.urandom(32))
    expected = hashlib.scrypt(b"some codename", salt=pepper, n=2**14, r=8, p=1, dklen=64)
    assert hasher.filesystem_id("some codename") == base64.b32encode(expected).decode()


def test_seal_round_trip_and_tamper_detection() -> None:
    key = derive_key("passphrase from scrypt", b"purpose")
    sealed = seal(key, b"secret key", associated=b"fsid")
    assert unseal(key, sealed, associated=b"fsid") == b"secret key"
    with pytest.raises(SealError):
        unseal(key, sealed, associated=b"other fsid")
    with pytest.raises(SealError):
        unseal(derive_key("another passphrase", b"purpose"), sealed, associated=b"fsid")
    flipped = bytearray(sealed)
    flipped[-1] ^= 1
    with pytest.raises(SealError):
        unseal(key, bytes(flipped), associated=b"fsid")
    with pytest.raises(SealError):
        unseal(key, b"short")


def test_purposes_give_different_keys() -> None:
    assert derive_key("x", b"one") != derive_key("x", b"two")
