"""Setting the worker's last-round stamp to a test's clock, not the wall's."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from securedrop.domain.system_facts import WORKER_STAMP


def worker_ran(data_dir: Path, at: datetime) -> None:
    """The worker's last round, as its stamp records it, was at `at`."""
    stamp = data_dir / WORKER_STAMP
    stamp.touch()
    os.utime(stamp, (at.timestamp(), at.timestamp()))
