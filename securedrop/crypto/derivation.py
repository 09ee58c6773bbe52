"""The two scrypt derivations of a codename: one finds the source, one unlocks its key."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from securedrop.crypto.offload import cpu_bound

SCRYPT_R = 8
SCRYPT_P = 1
SCRYPT_DKLEN = 64
#: hashlib's memory cap for one derivation.
SCRYPT_MAXMEM = 128 * 1024 * 1024
#: The largest cost that fits SCRYPT_MAXMEM: scrypt needs about 128 * r * (N + 3) bytes.
SCRYPT_MAX_N = 2**16


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

    def _scrypt(self, codename: str, pepper: bytes) -> str:
        digest = cpu_bound(
            lambda: hashlib.scrypt(
                codename.encode("utf-8"),
                salt=pepper,
                n=self._n,
                r=SCRYPT_R,
                p=SCRYPT_P,
                maxmem=SCRYPT_MAXMEM,
                dklen=SCRYPT_DKLEN,
            )
        )
        return base64.b32encode(digest).decode("ascii")

    def derive(self, codename: str) -> SourceSecrets:
        """Both derivations. Nothing is cached: no codename outlives the request."""
        return SourceSecrets(
            filesystem_id=self.filesystem_id(codename),
            key_passphrase=self._scrypt(codename, self._key_pepper),
        )

    def filesystem_id(self, codename: str) -> str:
        """Only the derivation that finds the source."""
        return self._scrypt(codename, self._id_pepper)
