"""Secure deletion: overwrite what was moved into the shredder directory, then unlink it."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

from securedrop.storage import StorageError

log = logging.getLogger(__name__)

SHRED_PASSES = 30


class ShredError(StorageError):
    """Raised when files cannot be securely deleted (e.g. `shred` is missing)."""


def check_shred_available() -> None:
    """Raises: ShredError: the app must not start if it cannot securely delete."""
    if shutil.which("shred") is None:
        raise ShredError("`shred` (GNU coreutils) is required for secure deletion")


def shred_file(path: Path, passes: int = SHRED_PASSES) -> None:
    subprocess.run(
        ["shred", "-z", "-n", str(passes), "-u", "--", str(path)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def shred_tree(path: Path, passes: int = SHRED_PASSES) -> int:
    """Overwrite and remove every file below `path`, then the directories. Returns files shredded."""
    count = 0
    if path.is_file() or path.is_symlink():
        shred_file(path, passes)
        return 1
    for root, dirs, files in os.walk(path, topdown=False):
        for name in files:
            shred_file(Path(root) / name, passes)
            count += 1
        for name in dirs:
            (Path(root) / name).rmdir()
    path.rmdir()
    return count


def empty_shredder(shredder_dir: Path, passes: int = SHRED_PASSES) -> int:
    """Securely delete everything in the shredder. Returns the number of files shredded."""
    total = 0
    for entry in sorted(shredder_dir.iterdir()):
        try:
            total += shred_tree(entry, passes)
        except (OSError, subprocess.CalledProcessError) as exc:
            log.error("could not shred an entry of the shredder: %s", type(exc).__name__)
    return total
