"""The store: one directory per source, atomic writes, path checks, deletion via the shredder."""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from securedrop.storage import PathError
from securedrop.storage.names import FILESYSTEM_ID, is_valid_stored_name

#: The one mtime every stored file gets, so file times reveal nothing about arrival order.
COMMON_MTIME = 0


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return "sha256:" + digest.hexdigest()


class Store:
    """Paths under `store_dir`; everything written lands by an atomic rename."""

    def __init__(self, store_dir: Path, shredder_dir: Path) -> None:
        self.root = store_dir.resolve()
        self.shredder = shredder_dir.resolve()
        for directory in (self.root, self.shredder):
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(directory, 0o700)

    def _inside(self, path: Path, root: Path) -> Path:
        resolved = path.resolve()
        if resolved == root or root not in resolved.parents:
            raise PathError("path leaves the store")
        return resolved

    def source_dir(self, filesystem_id: str) -> Path:
        """Raises: PathError: the id is not a filesystem id."""
        if not FILESYSTEM_ID.fullmatch(filesystem_id):
            raise PathError("invalid filesystem id")
        return self._inside(self.root / filesystem_id, self.root)

    def path(self, filesystem_id: str, filename: str) -> Path:
        """Raises: PathError: the name breaks the naming rule or leaves the store."""
        if not is_valid_stored_name(filename):
            raise PathError("invalid file name")
        return self._inside(self.source_dir(filesystem_id) / filename, self.root)

    def stage(self, filesystem_id: str, produce: Callable[[Path], None]) -> StagedFile:
        """Let `produce` write a temp file in the source's directory (no lock held meanwhile).

        The slow part (encrypting up to 500 MiB) happens here, before a number is taken.
        Raises whatever `produce` raises, leaving nothing behind.
        """
        directory = self.source_dir(filesystem_id)
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        temp = directory / f".{secrets.token_hex(12)}.part"
        try:
            produce(temp)
            if not temp.exists():
                raise OSError("nothing was written")
            os.chmod(temp, 0o600)
            return StagedFile(temp, sha256_file(temp))
        except BaseException:
            temp.unlink(missing_ok=True)
            raise

    def place(self, staged: StagedFile, filesystem_id: str, filename: str) -> Path:
        """Atomically rename a staged file to its final name; every file gets one mtime."""
        target = self.path(filesystem_id, filename)
        if target.exists():
            raise PathError("a stored file of that name already exists")
        os.utime(staged.temp, (COMMON_MTIME, COMMON_MTIME))
        os.replace(staged.temp, target)
        # The directory's own mtime would otherwise date the latest submission.
        os.utime(target.parent, (COMMON_MTIME, COMMON_MTIME))
        return target

    def move_to_shredder(self, path: Path) -> None:
        """Atomically take a file or directory out of the store for secure deletion."""
        path = self._inside(path, self.root)
        if path.exists():
            os.replace(path, self.shredder / f"{secrets.token_hex(16)}")


class StagedFile:
    """An encrypted file written beside its final place, waiting for its name."""

    def __init__(self, temp: Path, checksum: str) -> None:
        self.temp = temp
        self.checksum = checksum
        self.size = temp.stat().st_size

    def discard(self) -> None:
        self.temp.unlink(missing_ok=True)
