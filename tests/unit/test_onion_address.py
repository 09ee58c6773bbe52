"""onion.address: the address a stored service key publishes, computed without tor."""

from __future__ import annotations

import base64
import secrets

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from securedrop.onion import CorruptKey, generate_service_key, onion_address_from_public_key
from securedrop.onion.address import address_of_service_key, public_key_from_service_key
from securedrop.onion.keys import SERVICE_KEY_TYPE, _expand_seed


@pytest.mark.parametrize("round_", range(4))
def test_public_key_matches_the_ed25519_reference(round_: int) -> None:
    """The same seed through cryptography's Ed25519 gives the same public key."""
    seed = secrets.token_bytes(32)
    blob = f"{SERVICE_KEY_TYPE}:" + base64.b64encode(_expand_seed(seed)).decode()
    reference = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()
    assert public_key_from_service_key(blob) == reference
    assert address_of_service_key(blob) == onion_address_from_public_key(reference)


def test_two_keys_give_two_addresses() -> None:
    first, second = generate_service_key(), generate_service_key()
    assert address_of_service_key(first) != address_of_service_key(second)
    assert len(address_of_service_key(first)) == 56


def test_a_damaged_key_is_refused() -> None:
    with pytest.raises(CorruptKey):
        address_of_service_key(f"{SERVICE_KEY_TYPE}:" + base64.b64encode(b"\x00" * 64).decode())
