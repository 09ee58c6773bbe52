"""The two scrypt derivations of a codename: one finds the source, one unlocks its key."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import lru_cache

SCRYPT_R = 8
SCRYPT_P = 1
SCRYPT_DKLEN = 64


@dataclass(frozen=True)
class SourceSecrets:
    """What a codename yields. Neither value reveals the codename or the other value."""

    filesystem_id: str
    key_passphrase: str


class CodenameHasher:
    """scrypt(N=2^14, r=8, p=1) under two different server-side peppers.

    The peppers live in the server's config, so a stolen database alone cannot be used
    to test codename guesses.
    """

    def __init__(self, id_pepper: bytes, key_pepper: bytes, n: int = 2**14) -> None:
        self._id_pepper = id_pepper
        self._key_pepper = key_pepper
        self._n = n
        # One request (login, then /lookup) must not pay for scrypt twice; a small
        # per-process cache keeps it without holding many codenames in memory.
        self._derive = lru_cache(maxsize=64)(self._derive_uncached)

    def _scrypt(self, codename: str, pepper: bytes) -> str:
        digest = hashlib.scrypt(
            codename.encode("utf-8"),
            salt=pepper,
            n=self._n,
            r=SCRYPT_R,
            p=SCRYPT_P,
            maxmem=128 * 1024 * 1024,
            dklen=SCRYPT_DKLEN,
        )
        return base64.b32encode(digest).decode("ascii")

    def _derive_uncached(self, codename: str) -> SourceSecrets:
        return SourceSecrets(
            filesystem_id=self._scrypt(codename, self._id_pepper),
            key_passphrase=self._scrypt(codename, self._key_pepper),
        )

    def derive(self, codename: str) -> SourceSecrets:
        return self._derive(codename)

    def filesystem_id(self, codename: str) -> str:
        return self.derive(codename).filesystem_id
