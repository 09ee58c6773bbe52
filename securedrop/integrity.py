"""`securedrop check`: find where the database and the store disagree, and repair what can be."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Table, and_, delete, exists, select
from sqlalchemy.orm import Session, sessionmaker

from securedrop import db
from securedrop.models import Reply, Source, Submission
from securedrop.models.base import Base
from securedrop.storage.store import Store, sha256_file
from securedrop.storage.sweep import STALE_AFTER_SECONDS, stale_tmp_entries, sweep_tmp

log = logging.getLogger(__name__)

#: What `check` looks for, in the order its summary lists them.
MISSING_FILE = "row whose file is missing"
ORPHAN_FILE = "file with no row"
SIZE_MISMATCH = "file whose size differs from the database"
CHECKSUM_MISMATCH = "file whose checksum differs from the database"
STALE_TMP = "stale entry in tmp/"
DANGLING_ROW = "row pointing at a deleted row"
KINDS = (MISSING_FILE, ORPHAN_FILE, SIZE_MISMATCH, CHECKSUM_MISMATCH, STALE_TMP, DANGLING_ROW)
#: A staged upload (`.<hex>.part` in a source's directory) younger than this may still
#: be on its way to its final name.
STAGED_GRACE_SECONDS = STALE_AFTER_SECONDS


@dataclass(frozen=True)
class Finding:
    """One problem. `path` is the file concerned; `table`/`row_id` the row, if any."""

    kind: str
    what: str
    path: Path | None = None
    table: str | None = None
    row_id: int | None = None

    @property
    def repair(self) -> str:
        """What `--repair` does about it, in words."""
        if self.kind in (MISSING_FILE, DANGLING_ROW):
            return "delete the row" + (" and shred its file" if self.path else "")
        if self.kind == ORPHAN_FILE:
            return "move it to the shredder"
        if self.kind == STALE_TMP:
            return "shred it"
        return "none possible here: the file is damaged; restore it from a backup"


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    files_checked: int = 0

    def count(self, kind: str) -> int:
        return sum(1 for finding in self.findings if finding.kind == kind)

    @property
    def repairable(self) -> list[Finding]:
        return [f for f in self.findings if f.kind not in (SIZE_MISMATCH, CHECKSUM_MISMATCH)]


def _stored_rows(session: Session) -> Iterator[tuple[str, int, str, str, int, str]]:
    """(table, id, filesystem id, filename, size, checksum) of every stored item."""
    for model in (Submission, Reply):
        rows = session.execute(
            select(model.id, Source.filesystem_id, model.filename, model.size, model.checksum).join(
                Source, Source.id == model.source_id
            )
        )
        for row_id, fsid, filename, size, checksum in rows:
            yield model.__tablename__, row_id, fsid, filename, size, checksum


def _dangling(session: Session) -> Iterator[tuple[Table, int]]:
    """Rows whose foreign key names a row that no longer exists (only possible if the
    database ran without foreign-key enforcement at some point, e.g. an old SQLite)."""
    for child in Base.metadata.sorted_tables:
        primary = list(child.primary_key.columns)
        if len(primary) != 1:
            continue
        for fk in child.foreign_keys:
            parent = fk.column.table
            parent_exists = exists().where(and_(fk.column == fk.parent)).select_from(parent).correlate(child)
            orphaned = select(primary[0]).where(fk.parent.is_not(None), ~parent_exists)
            for (row_id,) in session.execute(orphaned):
                yield child, row_id


def find(sessions: sessionmaker[Session], store: Store, tmp_dir: Path, checksums: bool = True) -> Report:
    """Everything that is wrong, without changing anything."""
    report = Report()
    known: set[tuple[str, str]] = set()
    with sessions() as session:
        fsids = set(session.scalars(select(Source.filesystem_id)))
        for table_name, row_id, fsid, filename, size, checksum in _stored_rows(session):
            known.add((fsid, filename))
            path = store.root / fsid / filename
            what = f"{table_name} {row_id} ({fsid[:12]}…/{filename})"
            if not path.is_file():
                report.findings.append(Finding(MISSING_FILE, what, None, table_name, row_id))
                continue
            report.files_checked += 1
            if path.stat().st_size != size:
                report.findings.append(Finding(SIZE_MISMATCH, what, path))
            elif checksums and sha256_file(path) != checksum:
                report.findings.append(Finding(CHECKSUM_MISMATCH, what, path))
        for table, row_id in _dangling(session):
            item = _item_path(session, store, table.name, row_id)
            report.findings.append(Finding(DANGLING_ROW, f"{table.name} {row_id}", item, table.name, row_id))
    report.findings += _orphans(store, fsids, known)
    report.findings += [Finding(STALE_TMP, entry.name, entry) for entry in stale_tmp_entries(tmp_dir)]
    return report


def _item_path(session: Session, store: Store, table_name: str, row_id: int) -> Path | None:
    """The stored file of a submission or reply row, if its source still exists (if
    not, its whole directory is an orphan and is reported as one)."""
    if table_name not in ("submissions", "replies"):
        return None
    model = Submission if table_name == "submissions" else Reply
    query = select(Source.filesystem_id, model.filename).join(Source, Source.id == model.source_id)
    found = session.execute(query.where(model.id == row_id)).first()
    if found is None:
        return None
    path = store.root / found[0] / found[1]
    return path if path.is_file() else None


def _orphans(store: Store, fsids: set[str], known: set[tuple[str, str]]) -> list[Finding]:
    found = []
    cutoff = time.time() - STAGED_GRACE_SECONDS
    for directory in sorted(store.root.iterdir()):
        if not directory.is_dir() or directory.name not in fsids:
            found.append(Finding(ORPHAN_FILE, f"{directory.name[:12]}… (no such source)", directory))
            continue
        for path in sorted(directory.iterdir()):
            staged = path.name.endswith(".part")
            if staged and path.stat().st_mtime > cutoff:
                continue  # an upload being encrypted right now
            if staged or (directory.name, path.name) not in known:
                found.append(Finding(ORPHAN_FILE, f"{directory.name[:12]}…/{path.name}", path))
    return found


def _shredding(store: Store, path: Path) -> Callable[[], None]:
    return lambda: store.move_to_shredder(path)


def repair(sessions: sessionmaker[Session], store: Store, tmp_dir: Path, report: Report) -> int:
    """Fix what `find` found and can be fixed. Returns the number of findings fixed.

    Orphan files are checked again first: a submission whose row was committed since
    `find` ran is no orphan, and must not be shredded.
    """
    fixed = 0
    rows = [f for f in report.findings if f.kind in (MISSING_FILE, DANGLING_ROW) and f.table and f.row_id]
    with db.unit_of_work(sessions) as session:
        for finding in rows:
            table = Base.metadata.tables[str(finding.table)]
            (primary,) = table.primary_key.columns
            session.execute(delete(table).where(primary == finding.row_id))
            if finding.path is not None:
                # Only once the row is gone for good: a rollback must not lose the file.
                db.after_commit(session, _shredding(store, finding.path))
            fixed += 1
    orphans = [f for f in report.findings if f.kind == ORPHAN_FILE and f.path is not None]
    if orphans:
        fresh = find(sessions, store, tmp_dir, checksums=False)
        still = {f.path for f in fresh.findings if f.kind == ORPHAN_FILE}
        for finding in orphans:
            if finding.path is not None and finding.path in still:
                store.move_to_shredder(finding.path)
                fixed += 1
    if any(f.kind == STALE_TMP for f in report.findings):
        fixed += sweep_tmp(tmp_dir, store.shredder)
    return fixed
