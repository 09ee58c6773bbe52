"""OpenPGP through python-gnupg and the real gpg: the only module that imports gnupg."""

from __future__ import annotations

import copy
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import gnupg

from securedrop.crypto import CryptoError, gpghomes, spawn

#: Fixed creation time of every source key (SecureDrop's rule): key metadata must not
#: reveal when a source arrived.
SOURCE_KEY_CREATION = "20130514T000000"
#: Large pipe copies: python-gnupg's default 16 KiB chunks cost CPU on 500 MiB uploads.
STREAM_BUFFER = 1024 * 1024
#: Public-key algorithms gpg reports: 1 RSA, 17 DSA, 18 ECDH, 22 EdDSA.
_RSA_LIKE = {"1", "2", "3", "17"}
MIN_RSA_BITS = 3072


class _GPG(gnupg.GPG):  # type: ignore[misc]  # python-gnupg ships no type information
    """python-gnupg, starting gpg without a Python fork under gevent (crypto/spawn.py)."""

    def _open_subprocess(self, args: list[str], passphrase: bool = False) -> Any:
        # python-gnupg's one hook for starting gpg (pinned version; its callers use
        # only pid, stdin, stdout, stderr, wait() and returncode of what it returns).
        if spawn.cooperative():
            return spawn.GreenProcess(self.make_args(args, passphrase), self.env)
        return super()._open_subprocess(args, passphrase)


class OpenPGPError(CryptoError):
    """Raised when gpg fails to generate, encrypt or decrypt."""


class SubmissionKeyError(OpenPGPError):
    """Raised when the organisation's submission key is missing, unusable or too weak."""


class NotificationKeyError(OpenPGPError):
    """Base of the reasons a journalist's notification key is refused."""


class SecretKeyGiven(NotificationKeyError):
    """Raised when a secret key is pasted where only a public key belongs."""


class NoPublicKey(NotificationKeyError):
    """Raised when the text holds no OpenPGP public key (or more than one)."""


class WeakKey(NotificationKeyError):
    """Raised when the key uses RSA/DSA under MIN_RSA_BITS, as for the submission key."""


class UnusableKey(NotificationKeyError):
    """Raised when the key is expired or revoked, or cannot encrypt."""


@dataclass(frozen=True)
class SourceKeyPair:
    public_key: str
    fingerprint: str
    secret_key: str


def _weak_part_bits(key: dict[str, Any]) -> int | None:
    """The size of the first RSA/DSA part of `key` under MIN_RSA_BITS, if any (the one
    strength rule for the submission key and notification keys alike)."""
    for part in [key, *key.get("subkey_info", {}).values()]:
        if part.get("algo") in _RSA_LIKE and int(part.get("length") or 0) < MIN_RSA_BITS:
            return int(part.get("length") or 0)
    return None


class OpenPGP:
    """Encryption for whom it concerns: sources to the newsroom, journalists to sources.

    The submission keyring at `keyring_dir` holds the organisation's public key only.
    Source keys never enter a long-lived keyring: each operation that needs one uses a
    short-lived homedir under `homes_dir` (in memory: see gpghomes; `tmp_dir/gpg` when
    not given), so the cost stays constant with 10,000 sources.
    """

    def __init__(
        self,
        keyring_dir: Path,
        tmp_dir: Path,
        submission_fpr: str | None = None,
        gpg_binary: str = "gpg",
        homes_dir: Path | None = None,
    ) -> None:
        keyring_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        if homes_dir is None:
            homes_dir = tmp_dir / "gpg"  # made on first use (gpghomes.new_home), if ever
        self._keyring_dir = keyring_dir
        self._tmp_dir = tmp_dir
        self.homes_dir = homes_dir
        self._gpg_binary = gpg_binary
        # The submission keyring holds public keys only: it never needs a gpg-agent, and
        # one started by an import would outlive the server.
        self._gpg = self._make_gpg(keyring_dir, ["--no-autostart"])
        self._submission_fpr = submission_fpr
        self._ephemeral_template: gnupg.GPG | None = None

    def _make_gpg(self, homedir: Path, options: list[str] | None = None) -> gnupg.GPG:
        gpg = _GPG(gpgbinary=self._gpg_binary, gnupghome=str(homedir), options=options)
        gpg.encoding = "utf-8"
        gpg.buffer_size = STREAM_BUFFER
        return gpg

    @contextmanager
    def _ephemeral(self) -> Iterator[gnupg.GPG]:
        homedir = gpghomes.new_home(self.homes_dir)
        try:
            yield self._ephemeral_gpg(homedir)
        finally:
            gpghomes.destroy_home(homedir)

    def _ephemeral_gpg(self, homedir: Path) -> gnupg.GPG:
        """A GPG for a fresh home, copied from one made once: python-gnupg asks gpg for
        its version on every construction, a process spawn this saves on each account
        creation and login (~8 ms each under the source app's gevent worker)."""
        if self._ephemeral_template is None:
            self._ephemeral_template = self._make_gpg(homedir)
        gpg = copy.copy(self._ephemeral_template)
        gpg.gnupghome = str(homedir)
        return gpg

    # -- the submission key -------------------------------------------------------
    @property
    def submission_fingerprint(self) -> str:
        """Raises: SubmissionKeyError: no usable key, or more than one and none chosen."""
        if self._submission_fpr is None:
            keys = self._gpg.list_keys()
            if len(keys) != 1:
                raise SubmissionKeyError(
                    f"the submission keyring at {self._keyring_dir} holds {len(keys)} keys; "
                    "import exactly one or set submission_key_fpr"
                )
            self._submission_fpr = keys[0]["fingerprint"]
        return self._submission_fpr

    def check_submission_key(self) -> None:
        """Raises: SubmissionKeyError: the key is absent, expired, revoked or too weak."""
        fpr = self.submission_fingerprint
        keys = self._gpg.list_keys(keys=[fpr])
        if not keys:
            raise SubmissionKeyError(f"submission key {fpr} is not in {self._keyring_dir}")
        key = keys[0]
        if key.get("trust") in ("r", "e", "i", "d"):
            raise SubmissionKeyError(f"submission key {fpr} is revoked, expired or invalid")
        if key.get("expires") and int(key["expires"]) < time.time():
            raise SubmissionKeyError(f"submission key {fpr} has expired")
        weak_bits = _weak_part_bits(key)
        if weak_bits is not None:
            raise SubmissionKeyError(
                f"submission key {fpr} uses {weak_bits}-bit RSA/DSA; "
                f"use Curve25519 or RSA of at least {MIN_RSA_BITS} bits"
            )

    def submission_key_expiry(self) -> datetime | None:
        """When the submission key expires (None: never).

        Raises: SubmissionKeyError: no usable key.
        """
        fpr = self.submission_fingerprint
        keys = self._gpg.list_keys(keys=[fpr])
        if not keys:
            raise SubmissionKeyError(f"submission key {fpr} is not in {self._keyring_dir}")
        expires = keys[0].get("expires")
        return datetime.fromtimestamp(int(expires), UTC) if expires else None

    def import_submission_key(self, armored: str) -> str:
        """Import a public key into the submission keyring; returns its fingerprint.

        Raises:
            SubmissionKeyError: no public key in `armored`, or it holds a secret key.
        """
        if "PRIVATE KEY BLOCK" in armored:
            raise SubmissionKeyError(
                "refusing to import a secret key on the server: give the public key only"
            )
        result = self._gpg.import_keys(armored)
        if result.sec_read or result.sec_imported:
            raise SubmissionKeyError(
                "refusing to import a secret key on the server: give the public key only"
            )
        if not result.fingerprints:
            raise SubmissionKeyError("no OpenPGP public key found in the given data")
        return str(result.fingerprints[0])

    def export_submission_key(self) -> str:
        return str(self._gpg.export_keys(self.submission_fingerprint))

    def generate_dev_submission_key(self) -> tuple[str, str]:
        """A Curve25519 pair for development: (fingerprint, armored secret key).

        Only the public half is imported into the submission keyring, as on a server.
        """
        with self._ephemeral() as gpg:
            fpr = self._generate(gpg, "SecureDrop development submission key", "dev@securedrop.invalid", None)
            public = gpg.export_keys(fpr)
            secret = gpg.export_keys(fpr, secret=True, expect_passphrase=False)
        return self.import_submission_key(public), str(secret)

    # -- source keys -----------------------------------------------------------------
    @staticmethod
    def _generate(gpg: gnupg.GPG, name: str, email: str, creation: str | None) -> str:
        lines = [
            "Key-Type: EDDSA",
            "Key-Curve: ed25519",
            "Key-Usage: sign",
            "Subkey-Type: ECDH",
            "Subkey-Curve: cv25519",
            "Subkey-Usage: encrypt",
            f"Name-Real: {name}",
            f"Name-Email: {email}",
            "Expire-Date: 0",
            # Unprotected inside the short-lived homedir; sealed with AES-GCM by the caller,
            # because gpg's own protection costs ~1.1 s per key here.
            "%no-protection",
        ]
        if creation:
            lines.insert(1, f"Creation-Date: {creation}")
        result = gpg.gen_key("\n".join(lines) + "\n%commit\n")
        if not result.fingerprint:
            raise OpenPGPError(f"gpg could not generate a key: {result.stderr[-400:]}")
        return str(result.fingerprint)

    def generate_source_key(self, filesystem_id: str) -> SourceKeyPair:
        """Curve25519 pair with uid "Source Key <filesystem_id>" created 2013-05-14."""
        with self._ephemeral() as gpg:
            fpr = self._generate(gpg, "Source Key", filesystem_id, SOURCE_KEY_CREATION)
            public = str(gpg.export_keys(fpr))
            secret = str(gpg.export_keys(fpr, secret=True, expect_passphrase=False))
        if "PUBLIC KEY" not in public or "PRIVATE KEY" not in secret:
            raise OpenPGPError("gpg did not export the new source key")
        return SourceKeyPair(public_key=public, fingerprint=fpr.upper(), secret_key=secret)

    # -- encryption ---------------------------------------------------------------------
    def _check(self, result: gnupg.Crypt, what: str) -> None:
        if not result.ok:
            raise OpenPGPError(f"gpg could not {what}: {result.status}")

    def encrypt_stream_to_submission_key(self, stream: BinaryIO, output: Path) -> None:
        """Encrypt what `stream` yields into `output` (binary OpenPGP), streaming.

        gpg's compression is off: documents are gzipped before they get here and
        messages are short, and compressing twice caps throughput at ~40 MB/s.
        """
        result = self._gpg.encrypt_file(
            stream,
            recipients=[self.submission_fingerprint],
            output=str(output),
            armor=False,
            always_trust=True,
            extra_args=["--compress-algo", "none"],
        )
        self._check(result, "encrypt a submission")

    def encrypt_reply(self, plaintext: str, source_public_key: str, output: Path) -> None:
        """Encrypt a journalist's reply to the source's key and the submission key."""
        with tempfile.NamedTemporaryFile("w", dir=self._tmp_dir, suffix=".asc") as keyfile:
            keyfile.write(source_public_key)
            keyfile.flush()
            result = self._gpg.encrypt(
                plaintext.encode("utf-8"),
                recipients=[self.submission_fingerprint],
                output=str(output),
                armor=False,
                always_trust=True,
                # The source key is used straight from a file and never joins a keyring.
                extra_args=["--recipient-file", keyfile.name],
            )
        self._check(result, "encrypt a reply")

    def decrypt_with_source_key(self, secret_key: str, ciphertexts: list[bytes]) -> list[str | None]:
        """Decrypt each ciphertext with the source's secret key; None where that fails."""
        if not ciphertexts:
            return []
        plaintexts: list[str | None] = []
        with self._ephemeral() as gpg:
            imported = gpg.import_keys(secret_key)
            if not imported.sec_imported:
                raise OpenPGPError("the source's secret key could not be imported")
            for data in ciphertexts:
                result = gpg.decrypt(data, always_trust=True)
                plaintexts.append(result.data.decode("utf-8", "replace") if result.ok else None)
        return plaintexts

    # -- notifications to journalists -------------------------------------------------
    def check_notification_key(self, armored: str) -> str:
        """The fingerprint of the one public key in `armored`, if it may receive mail.

        The key is examined in a short-lived homedir and never joins the submission keyring.

        Raises:
            SecretKeyGiven, NoPublicKey, WeakKey, UnusableKey.
        """
        if "PRIVATE KEY BLOCK" in armored:
            raise SecretKeyGiven()
        with self._ephemeral() as gpg:
            result = gpg.import_keys(armored)
            if result.sec_read or result.sec_imported:
                raise SecretKeyGiven()
            keys = gpg.list_keys()
        if len(keys) != 1:
            raise NoPublicKey()
        key = keys[0]
        if _weak_part_bits(key) is not None:
            raise WeakKey()
        if key.get("trust") in ("r", "e", "i", "d") or (key.get("expires") and int(key["expires"]) < time.time()):
            raise UnusableKey()
        # gpg's capability field: an upper-case E means the key as a whole can encrypt.
        if "E" not in str(key.get("cap", "")):
            raise UnusableKey()
        return str(key["fingerprint"]).upper()

    def encrypt_to_public_key(self, data: bytes, public_key: str) -> str:
        """ASCII-armored ciphertext of `data` for `public_key` only (a notification).

        Compression is off so the ciphertext's size follows the plaintext's exactly:
        padded digests then encrypt to equal sizes whatever they say.
        """
        # A short-lived homedir, so the journalist's key never joins the submission keyring.
        with self._ephemeral() as gpg:
            imported = gpg.import_keys(public_key)
            if imported.sec_read or not imported.fingerprints:
                raise OpenPGPError("the notification key could not be imported")
            result = gpg.encrypt(
                data,
                recipients=[imported.fingerprints[0]],
                armor=True,
                always_trust=True,
                extra_args=["--compress-algo", "none"],
            )
        self._check(result, "encrypt a notification")
        return str(result)
