"""A consistent database snapshot, taken while the apps run, and the store files it names."""

from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Connection, make_url

from securedrop.backup import SnapshotFailed

#: The stored files the snapshot's rows point at: (filesystem id, file name).
_FILES_QUERY = (
    "SELECT s.filesystem_id, f.filename FROM submissions f JOIN sources s ON s.id = f.source_id "
    "UNION ALL "
    "SELECT s.filesystem_id, r.filename FROM replies r JOIN sources s ON s.id = r.source_id"
)


@dataclass(frozen=True)
class Snapshot:
    """The database as of one instant, and the store files that instant knows about.

    Only those files go into the archive: a submission racing the backup is then
    either wholly in it (row and file) or wholly absent.
    """

    kind: str  # "sqlite" or "postgresql"
    data: bytes
    schema_revision: str
    files: list[tuple[str, str]]


def is_sqlite(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() == "sqlite"


def sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise SnapshotFailed("An in-memory SQLite database cannot be backed up.")
    return Path(database)


def take(database_url: str) -> Snapshot:
    """Raises: SnapshotFailed."""
    if is_sqlite(database_url):
        return _sqlite(sqlite_path(database_url))
    return _postgresql(database_url)


def _sqlite(path: Path) -> Snapshot:
    if not path.is_file():
        raise SnapshotFailed(f"There is no database at {path}.")
    source = sqlite3.connect(path, timeout=30)
    copy = sqlite3.connect(":memory:")
    try:
        # SQLite's online-backup API copies the database as of one read transaction,
        # WAL contents included (a file copy would miss commits still in db.sqlite-wal).
        # In WAL mode a reader never blocks writers, so submissions carry on; all pages
        # in one step, because a stepwise copy restarts whenever another connection writes.
        source.backup(copy)
        revision = copy.execute("SELECT version_num FROM alembic_version").fetchone()
        files = [(str(a), str(b)) for a, b in copy.execute(_FILES_QUERY)]
        data = copy.serialize()
    except sqlite3.Error as exc:
        raise SnapshotFailed(f"Could not snapshot the SQLite database {path}: {exc}.") from None
    finally:
        source.close()
        copy.close()
    if revision is None:
        raise SnapshotFailed("The database has no schema revision; run `securedrop db upgrade` first.")
    return Snapshot("sqlite", data, str(revision[0]), files)


def pg_binary(name: str, server_major: int | None = None) -> str:
    """Debian's `name` (pg_dump, pg_restore) of the server's major version, else the newest.

    A pg_dump older than the server refuses to run; a newer one is fine.
    """
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda path: int(re.sub(r"\D", "", path.split("/")[4]) or 0),
    )
    for path in candidates:
        if server_major is not None and int(path.split("/")[4]) == server_major:
            return path
    if candidates:
        return candidates[-1]
    found = shutil.which(name)
    if found is None:
        raise SnapshotFailed(f"`{name}` is missing: install Debian's postgresql-client.")
    return found


def libpq_arguments(database_url: str) -> tuple[list[str], dict[str, str]]:
    """`--dbname` for pg_dump/pg_restore and the environment carrying the password.

    The password goes in PGPASSWORD, never on a command line other users can read.
    """
    url: URL = make_url(database_url)
    parts = {
        "host": url.host,
        "port": str(url.port) if url.port else None,
        "user": url.username,
        "dbname": url.database,
        **{key: str(value) for key, value in url.query.items()},
    }
    conninfo = " ".join(
        f"{key}='{value.replace(chr(92), chr(92) * 2).replace(chr(39), chr(92) + chr(39))}'"
        for key, value in parts.items()
        if value
    )
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return ["--dbname", conninfo], env


def server_major(conn: Connection) -> int:
    return int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def _postgresql(database_url: str) -> Snapshot:
    engine = create_engine(database_url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as conn:
            # pg_dump joins this transaction's snapshot, so the dump and the file list
            # below see exactly the same committed rows; nothing is locked against writers.
            snapshot_id = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
            files = [(str(a), str(b)) for a, b in conn.execute(text(_FILES_QUERY))]
            args, env = libpq_arguments(database_url)
            dump = subprocess.run(
                [pg_binary("pg_dump", server_major(conn)), "--format=custom", "--no-owner",
                 "--no-privileges", f"--snapshot={snapshot_id}", *args],
                capture_output=True, env=env, check=False,
            )
            conn.rollback()
    except Exception as exc:  # any driver error: the message names the database trouble
        raise SnapshotFailed(f"Could not read the PostgreSQL database: {type(exc).__name__}: {exc}") from None
    finally:
        engine.dispose()
    if dump.returncode != 0:
        raise SnapshotFailed(f"pg_dump failed: {dump.stderr.decode(errors='replace').strip()[-400:]}")
    if revision is None:
        raise SnapshotFailed("The database has no schema revision; run `securedrop db upgrade` first.")
    return Snapshot("postgresql", dump.stdout, str(revision), files)
