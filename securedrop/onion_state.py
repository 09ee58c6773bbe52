"""What `serve` records about its onion services for the worker's alert and the System page."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from securedrop.domain.system_facts import ONION_STATE, ONION_STATE_STALE
from securedrop.models.base import utcnow

#: Rewritten this often while nothing changes, well inside ONION_STATE_STALE.
REFRESH = ONION_STATE_STALE / 5


class OnionState:
    """The state file <data dir>/state/onion.json: published or not, and when that was checked."""

    def __init__(self, data_dir: Path) -> None:
        self._path = data_dir / ONION_STATE
        self._last: tuple[bool, datetime] | None = None

    def record(self, published: bool, now: datetime | None = None) -> None:
        """Write the state when it changed, or when the last write is getting old."""
        now = now or utcnow()
        if self._last is not None and self._last[0] == published and now - self._last[1] < REFRESH:
            return
        self._path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temp = self._path.with_suffix(".tmp")
        temp.write_text(json.dumps({"published": published, "checked_at": now.isoformat()}))
        os.replace(temp, self._path)  # a reader never sees half a file
        self._last = (published, now)

    def clear(self) -> None:
        """`serve` stopped on purpose: nothing is published and nothing is wrong."""
        self._path.unlink(missing_ok=True)
        self._last = None
