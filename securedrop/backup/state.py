"""The outcome of the latest backup, in <data dir>/state/backup.json, for status pages."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

STATE_FILE = Path("state") / "backup.json"


@dataclass(frozen=True)
class BackupOutcome:
    """What `securedrop status`, a System page or a notifier needs to know.

    `ok` is False after a failure; `error` then holds the operator-facing sentence.
    `finished_at` is ISO 8601 UTC; `archive` and `bytes` describe what was written.
    """

    ok: bool
    finished_at: str
    archive: str | None = None
    bytes: int = 0
    encrypted: bool = False
    error: str | None = None


def write_outcome(data_dir: Path, outcome: BackupOutcome) -> Path:
    """Replace the state file atomically (a reader never sees half a file)."""
    path = data_dir / STATE_FILE
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(asdict(outcome), handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return path


def read_outcome(data_dir: Path) -> BackupOutcome | None:
    """The latest outcome, or None if no backup ever ran (or the file is unreadable)."""
    try:
        values: dict[str, Any] = json.loads((data_dir / STATE_FILE).read_text())
        return BackupOutcome(**values)
    except (OSError, ValueError, TypeError):
        return None
