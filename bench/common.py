"""The row every benchmark returns, the table `make bench` prints, and the scratch newsroom they share."""

from __future__ import annotations

import base64
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.orm import Session

from securedrop import db
from securedrop.config import Settings
from securedrop.models import SeenFile, SeenMessage, Source, Submission
from securedrop.services import Services, build_services

#: The newsroom the journalist benchmarks read: sources that have each submitted a few items.
SOURCES = 10_000
SUBMISSIONS_PER_SOURCE = 3


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


def seed_newsroom(session: Session, journalist_id: int, public_key: str) -> None:
    """SOURCES live sources with SUBMISSIONS_PER_SOURCE items each (messages and documents
    alternating), every ninth message and document already seen by `journalist_id`.

    Rows go in by bulk INSERT: no gpg, no files. Every source carries `public_key`, with a
    fingerprint of its own, since listings read keys from the database and only their size matters.
    """
    start = datetime(2024, 1, 1, tzinfo=UTC)
    session.execute(insert(Source), [
        {
            "uuid": f"00000000-0000-4000-8000-{i:012d}",
            "filesystem_id": base64.b32encode(secrets.token_bytes(64)).decode(),
            "journalist_designation": f"bench source{i:05d}", "last_updated": start + timedelta(minutes=i),
            "pending": False, "is_starred": i % 50 == 0, "interaction_count": SUBMISSIONS_PER_SOURCE,
            "public_key": public_key, "fingerprint": f"{i:040X}",
            "sealed_secret_key": b"\0" * 64,
        }
        for i in range(SOURCES)
    ])
    rows: list[dict[str, object]] = []
    for source_id in range(1, SOURCES + 1):
        jfn = f"bench_source{source_id - 1:05d}"
        for n in range(1, SUBMISSIONS_PER_SOURCE + 1):
            name = f"{n}-{jfn}-msg.gpg" if n % 2 else f"{n}-{jfn}-doc.gz.gpg"
            rows.append({"uuid": f"00000000-0000-4000-9000-{len(rows):012d}", "source_id": source_id,
                         "filename": name, "size": 1024, "checksum": "sha256:" + "0" * 64})
    session.execute(insert(Submission), rows)
    # Some items already seen, so unread counts and seen_by aggregation have work to do.
    session.execute(insert(SeenMessage), [
        {"message_id": i, "journalist_id": journalist_id} for i in range(1, len(rows) + 1, 9)
    ])
    session.execute(insert(SeenFile), [
        {"file_id": i, "journalist_id": journalist_id} for i in range(2, len(rows) + 1, 9)
    ])
