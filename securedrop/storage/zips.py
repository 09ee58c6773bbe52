"""Zip archives of encrypted files, built in tmp/ and unlinked as soon as they are opened."""

from __future__ import annotations

import os
import secrets
import shutil
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from securedrop.storage import StorageError

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
COPY_CHUNK = 1024 * 1024


class ZipError(StorageError):
    """Raised when an archive cannot be built (a listed file is missing or unreadable)."""


@dataclass(frozen=True)
class ZipEntry:
    path: Path
    arcname: str


def build_zip(tmp_dir: Path, entries: Iterable[ZipEntry]) -> Path:
    """Write the entries into a new zip under `tmp_dir`; nothing is left on failure.

    Entries are stored, not deflated: they are OpenPGP ciphertext and do not shrink.

    Raises:
        ZipError: a file could not be read.
    """
    tmp_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = tmp_dir / f"download-{secrets.token_hex(12)}.zip"
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED) as archive:
            for entry in entries:
                # Stored files all carry mtime 0, which zip cannot express (it starts in
                # 1980); one fixed date also keeps arrival times out of the archive.
                info = zipfile.ZipInfo(entry.arcname, date_time=ZIP_DATE)
                info.compress_type = zipfile.ZIP_STORED
                with open(entry.path, "rb") as reader, archive.open(info, "w") as writer:
                    shutil.copyfileobj(reader, writer, COPY_CHUNK)
    except OSError as exc:
        target.unlink(missing_ok=True)
        raise ZipError(str(exc)) from exc
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target


def open_once(path: Path) -> BinaryIO:
    """Open the archive for sending and remove its name at once: it is gone from tmp/
    when the response closes the handle, whatever happens to the download."""
    handle = open(path, "rb")  # noqa: SIM115 (the response closes it)
    path.unlink()
    return handle
