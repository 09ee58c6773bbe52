"""`securedrop check` finds each kind of fault planted in a real newsroom, and `--repair` fixes it."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from securedrop import integrity
from securedrop.models import Reply, Source, Submission
from tests.conftest import SubmissionKey
from tests.functional.backup_world import Newsroom, run_cli, seed


@pytest.fixture
def room(tmp_path: Path, submission_key: SubmissionKey) -> Iterator[Newsroom]:
    newsroom = seed(tmp_path / "data", submission_key.public, f"sqlite:///{tmp_path / 'data' / 'db.sqlite'}",
                    sources=3)
    yield newsroom
    newsroom.close()


def _count_line(output: str, kind: str) -> int:
    line = next(line for line in output.splitlines() if line.strip().endswith(kind))
    return int(line.split()[0])


def _plant(room: Newsroom) -> dict[str, Path]:
    """One fault of each kind; returns the paths concerned."""
    store = room.settings.store_dir
    with room.services.sessions() as session:
        sources = session.scalars(select(Source).order_by(Source.id)).all()
        first, second, third = sources
        message = next(item for item in first.submissions if item.is_message)
        resized = store / first.filesystem_id / next(i for i in first.submissions if i.is_file).filename
        flipped = store / second.filesystem_id / second.replies[0].filename
        reply_of_third = third.replies[0]
        third_fsid, third_reply_file = third.filesystem_id, reply_of_third.filename
        journalist_id = reply_of_third.journalist_id
    # A row whose file is missing.
    (store / first.filesystem_id / message.filename).unlink()
    # A file with no row, and a directory of no source.
    stray = store / second.filesystem_id / "99-stray-msg.gpg"
    stray.write_bytes(b"left behind")
    ghost = store / ("A" * 104)
    ghost.mkdir()
    (ghost / "1-ghost-msg.gpg").write_bytes(b"ghost")
    # Size and checksum differences.
    with open(resized, "ab") as handle:
        handle.write(b"!")
    data = bytearray(flipped.read_bytes())
    data[-1] ^= 0xFF
    flipped.write_bytes(bytes(data))
    # A crashed worker's leftovers in tmp/, two days old, and a fresh one that must stay.
    stale = room.settings.tmp_dir / "gpg-crashed"
    stale.mkdir()
    (stale / "private-keys").write_bytes(b"secret")
    two_days_ago = time.time() - 2 * 86400
    os.utime(stale / "private-keys", (two_days_ago, two_days_ago))
    os.utime(stale, (two_days_ago, two_days_ago))
    fresh = room.settings.tmp_dir / "spool-live"
    fresh.write_bytes(b"in use")
    # A reply whose journalist row was deleted while foreign keys were not enforced.
    raw = sqlite3.connect(room.settings.data_dir / "db.sqlite")
    raw.execute("PRAGMA foreign_keys=OFF")
    raw.execute("DELETE FROM seen_replies WHERE journalist_id = ?", (journalist_id,))
    raw.execute("UPDATE replies SET journalist_id = ? WHERE filename = ?", (9999, third_reply_file))
    raw.commit()
    raw.close()
    return {"stray": stray, "ghost": ghost, "stale": stale, "fresh": fresh, "resized": resized,
            "flipped": flipped, "dangling_file": store / third_fsid / third_reply_file}


def test_check_finds_every_planted_fault_and_repair_fixes_it(room: Newsroom) -> None:
    clean = run_cli(room.env, "check")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Everything is consistent." in clean.stdout

    planted = _plant(room)
    found = run_cli(room.env, "check")
    assert found.returncode == 1
    expected = {
        integrity.MISSING_FILE: 1, integrity.ORPHAN_FILE: 2, integrity.SIZE_MISMATCH: 1,
        integrity.CHECKSUM_MISMATCH: 1, integrity.STALE_TMP: 1, integrity.DANGLING_ROW: 1,
    }
    for kind, count in expected.items():
        assert _count_line(found.stdout, kind) == count, (kind, found.stdout)

    not_asked = run_cli(room.env, "check", "--repair")  # no terminal, no --yes: changes nothing
    assert not_asked.returncode == 1 and "--yes" in not_asked.stderr
    assert planted["stray"].exists()

    repaired = run_cli(room.env, "check", "--repair", "--yes")
    assert "Repaired 5." in repaired.stdout, repaired.stdout
    assert not planted["stray"].exists() and not planted["ghost"].exists() and not planted["stale"].exists()
    assert planted["fresh"].exists()
    assert not planted["dangling_file"].exists()
    with room.services.sessions() as session:
        assert session.scalar(select(Reply).where(Reply.journalist_id == 9999)) is None
        assert len(session.scalars(select(Submission)).all()) == 5

    after = run_cli(room.env, "check")
    for kind in (integrity.MISSING_FILE, integrity.ORPHAN_FILE, integrity.STALE_TMP, integrity.DANGLING_ROW):
        assert _count_line(after.stdout, kind) == 0, (kind, after.stdout)
    # Damaged files cannot be repaired on the server: they stay reported.
    assert _count_line(after.stdout, integrity.SIZE_MISMATCH) == 1
    assert _count_line(after.stdout, integrity.CHECKSUM_MISMATCH) == 1
    assert "restore it from a backup" in after.stdout


def test_a_file_whose_row_commits_after_the_check_is_not_shredded(room: Newsroom) -> None:
    """`--repair` looks again before moving an orphan: a submission committed in between stays."""
    store = room.services.store
    with room.services.sessions() as session:
        source = session.scalars(select(Source)).first()
        assert source is not None
        fsid = source.filesystem_id
    late = store.root / fsid / "50-late-msg.gpg"
    late.write_bytes(b"ciphertext")
    report = integrity.find(room.services.sessions, store, room.settings.tmp_dir)
    assert [f.path for f in report.findings] == [late]
    with room.services.sessions.begin() as session:
        source = session.scalars(select(Source).where(Source.filesystem_id == fsid)).one()
        session.add(Submission(source_id=source.id, filename=late.name, size=10, checksum="sha256:x"))
    integrity.repair(room.services.sessions, store, room.settings.tmp_dir, report)
    assert late.exists()
