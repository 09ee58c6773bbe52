"""Find and securely remove stale entries of tmp/ (spools, gpg homes, zips a crash left)."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from securedrop.storage.shredder import SHRED_PASSES, shred_tree

#: Entries of tmp/ untouched for this long belong to no live request: an upload or a
#: zip download finishes in hours at most, and a gpg home lives for one operation.
STALE_AFTER_SECONDS = 24 * 60 * 60


def _newest_mtime(path: Path) -> float:
    """The latest mtime of `path` and, for a directory, of anything below it."""
    newest = path.lstat().st_mtime
    if path.is_dir() and not path.is_symlink():
        for root, dirs, files in os.walk(path):
            for name in (*dirs, *files):
                try:
                    newest = max(newest, (Path(root) / name).lstat().st_mtime)
                except FileNotFoundError:
                    continue  # removed by its owner meanwhile
    return newest


def stale_tmp_entries(tmp_dir: Path, max_age: float = STALE_AFTER_SECONDS,
                      now: float | None = None) -> list[Path]:
    """Entries directly in `tmp_dir` with nothing inside modified for `max_age` seconds."""
    if not tmp_dir.is_dir():
        return []
    cutoff = (time.time() if now is None else now) - max_age
    stale = []
    for entry in sorted(tmp_dir.iterdir()):
        try:
            if _newest_mtime(entry) < cutoff:
                stale.append(entry)
        except FileNotFoundError:
            continue
    return stale


def sweep_tmp(tmp_dir: Path, shredder_dir: Path, max_age: float = STALE_AFTER_SECONDS,
              passes: int = SHRED_PASSES) -> int:
    """Securely delete stale tmp/ entries; returns how many entries were removed.

    Each entry is first renamed into the shredder (same file system, atomic) so that
    a crash mid-way leaves it where the worker's next round finishes the job. A spool
    holds only ciphertext, but a gpg home may hold a source's unsealed secret key,
    hence overwriting rather than a plain unlink. `max_age=0` sweeps everything
    (for a service start, when no request can be using tmp/).
    """
    shredder_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    removed = 0
    for entry in stale_tmp_entries(tmp_dir, max_age, time.time() + (1 if max_age <= 0 else 0)):
        target = shredder_dir / f"tmp-{secrets.token_hex(12)}"
        try:
            os.replace(entry, target)
        except FileNotFoundError:
            continue
        shred_tree(target, passes)
        removed += 1
    return removed
