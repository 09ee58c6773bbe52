"""A one-line progress bar on a terminal: bytes done of total, rate and time left."""

from __future__ import annotations

import time
from typing import TextIO


def human_bytes(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    raise AssertionError("unreachable")


class Progress:
    """Redrawn at most five times a second; silent when `stream` is None (quiet, timers)."""

    def __init__(self, total: int, stream: TextIO | None, label: str) -> None:
        self.total = max(total, 1)
        self.done = 0
        self._stream = stream
        self._label = label
        self._started = time.monotonic()
        self._drawn = 0.0

    def advance(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if self._stream is not None and now - self._drawn >= 0.2:
            self._drawn = now
            self._draw(now)

    def rate(self) -> float:
        """Bytes per second so far."""
        return self.done / max(time.monotonic() - self._started, 1e-6)

    def _draw(self, now: float) -> None:
        assert self._stream is not None
        rate = self.done / max(now - self._started, 1e-6)
        left = max(self.total - self.done, 0) / rate if rate > 0 else 0.0
        share = min(self.done / self.total, 1.0)
        bar = "#" * int(share * 24)
        minutes, seconds = divmod(int(left), 60)
        self._stream.write(
            f"\r{self._label} [{bar:<24}] {human_bytes(self.done)} / {human_bytes(self.total)}"
            f"  {rate / 1e6:.1f} MB/s  ETA {minutes}:{seconds:02d} "
        )
        self._stream.flush()

    def finish(self) -> None:
        if self._stream is not None:
            self._draw(time.monotonic())
            self._stream.write("\n")
            self._stream.flush()
