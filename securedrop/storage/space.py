"""Free space in the data directory: uploads are refused before the disk is full, not after."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

#: Above this share of the filesystem in use, new submissions are refused (and admins alerted).
FULL_THRESHOLD = 0.9


def used_share(path: Path) -> float:
    """The share (0..1) of the filesystem holding `path` that is in use."""
    usage = shutil.disk_usage(path)
    return usage.used / usage.total if usage.total else 1.0


def nearly_full(path: Path) -> bool:
    return used_share(path) > FULL_THRESHOLD


def is_out_of_space(exc: BaseException) -> bool:
    """Whether `exc` is the filesystem saying it is full (or the quota is spent)."""
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)
