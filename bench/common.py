"""The row every benchmark returns, and the table `make bench` prints."""

from __future__ import annotations

import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from securedrop import db
from securedrop.config import Settings
from securedrop.services import Services, build_services


@dataclass(frozen=True)
class Row:
    name: str
    value: float
    unit: str
    target: str = ""  # e.g. "<= 150 ms"; empty for reference figures
    met: bool | None = None  # None for reference figures
    note: str = ""


def p50_ms(action: Callable[[], object], repeat: int) -> tuple[float, list[float]]:
    """Median wall time of `action` in milliseconds, and every sample."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), samples


def print_table(rows: list[Row]) -> None:
    headers = ("benchmark", "value", "unit", "target", "met", "note")
    cells = [
        (r.name, f"{r.value:,.1f}", r.unit, r.target, "" if r.met is None else ("yes" if r.met else "NO"), r.note)
        for r in rows
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(headers)]
    line = " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line)
    print("-+-".join("-" * w for w in widths))
    for c in cells:
        print(" | ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)))


def scratch_deployment(prefix: str) -> tuple[Path, Settings, Services]:
    """A throwaway data dir and migrated SQLite database for one benchmark module."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    settings = Settings(
        data_dir=workdir / "data",
        database_url=f"sqlite:///{workdir / 'db.sqlite'}",
        id_pepper=secrets.token_bytes(32),
        key_pepper=secrets.token_bytes(32),
        source_secret_key=secrets.token_urlsafe(32),
        journalist_secret_key=secrets.token_urlsafe(32),
        dev=True,
    ).validate()
    db.upgrade(settings.database_url)
    return workdir, settings, build_services(settings)
