"""The v2 hashing rule reproduces the contract's published test vectors, on both sides."""

from __future__ import annotations

from securedrop.api.v2.hashing import canonical, version
from tests.functional.v2_client import canonical_hash

JOURNALIST = {"first_name": "Alice", "last_name": None, "username": "alice",
              "uuid": "0f6c3b1e-2d4a-4c8e-9b7a-5e1d2c3b4a59"}
JOURNALIST_VERSION = "f48de6c90fd7a3f878a9cca71dba90b48680470416ac5c43f977ab3d608c9047"
EMPTY_INDEX_VERSION = "5a7c3a4312b8f8f09d297ea3e2f22ef69accdafb04a708e5af28952968bfc3c1"


def test_published_vectors_reproduce() -> None:
    assert version(JOURNALIST) == JOURNALIST_VERSION
    assert version({"sources": {}, "items": {}, "journalists": {}}) == EMPTY_INDEX_VERSION
    # The test client hashes by its own code, written from the contract.
    assert canonical_hash(JOURNALIST) == JOURNALIST_VERSION
    assert canonical_hash({"items": {}, "journalists": {}, "sources": {}}) == EMPTY_INDEX_VERSION


def test_key_order_does_not_matter_and_nothing_is_escaped() -> None:
    shuffled = dict(reversed(list(JOURNALIST.items())))
    assert version(shuffled) == JOURNALIST_VERSION
    assert canonical({"b": [2, 1], "a": {"d": True, "c": "Zoë"}}) == '{"a":{"c":"Zoë","d":true},"b":[2,1]}'.encode()
    assert version({"name": "Zoë"}) != version({"name": "Zo\\u00eb"})
