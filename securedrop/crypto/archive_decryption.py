"""Decrypting an OpenPGP-encrypted backup archive as a stream, with the operator's own keyring."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from securedrop.crypto import CryptoError


class ArchiveDecryptionFailed(CryptoError):
    """Raised when gpg cannot decrypt an archive (no secret key, or the ciphertext was altered)."""


@contextmanager
def decrypted_stream(path: Path, gnupg_home: Path | None, gpg_binary: str = "gpg") -> Iterator[IO[bytes]]:
    """gpg's plaintext output, read from a pipe so that it never touches the disk.

    This runs the gpg binary directly rather than through python-gnupg because the
    archive may be gigabytes: python-gnupg's decrypt gathers the output in memory.
    The secret key is the admin's (brought for the restore), never the server's.
    gpg checks the integrity (MDC/AEAD) only at the end, so the caller must read the
    stream to its end before trusting anything; leaving this block then raises
    ArchiveDecryptionFailed if gpg reported an error.
    """
    command = [gpg_binary, "--batch", "--quiet", "--decrypt"]
    if gnupg_home is not None:
        command[1:1] = ["--homedir", str(gnupg_home)]
    process = subprocess.Popen(
        [*command, "--", str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
    )
    assert process.stdout is not None and process.stderr is not None
    try:
        yield process.stdout
    finally:
        # Drain what the caller left unread (also when it failed): gpg then finishes on
        # its own, and its verdict, not a broken pipe, says whether the data was intact.
        while process.stdout.read(1024 * 1024):
            pass
        process.stdout.close()
        errors = process.stderr.read().decode(errors="replace").strip()
        process.stderr.close()
        if process.wait() != 0:
            # gpg's failure is the cause of whatever the caller saw (an empty or cut
            # stream), so it replaces the caller's error.
            last = errors.splitlines()[-1] if errors else f"gpg exited with status {process.returncode}"
            raise ArchiveDecryptionFailed(last)
