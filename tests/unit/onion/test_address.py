"""A service key file's onion address, computed without tor, matches the ed25519 public key."""

from __future__ import annotations

import base64
import secrets

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from securedrop import onion
from securedrop.onion.address import service_key_address
from securedrop.onion.keys import _expand_seed


@pytest.mark.parametrize("round_", range(5))
def test_address_matches_the_public_key_of_the_seed(round_: int) -> None:
    seed = secrets.token_bytes(32)
    public = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    blob = "ED25519-V3:" + base64.b64encode(_expand_seed(seed)).decode()
    assert service_key_address(blob) == onion.onion_address_from_public_key(public)


def test_a_damaged_key_is_refused() -> None:
    with pytest.raises(onion.CorruptKey):
        service_key_address("ED25519-V3:" + base64.b64encode(b"\x01" * 64).decode())
