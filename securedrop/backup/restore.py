"""`securedrop restore`: verify first, then fill an empty data dir and database from an archive."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import subprocess
import tarfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import MetaData, create_engine, func, inspect, select, table

from securedrop import db
from securedrop.backup import ArchiveInvalid, BackupError, TargetNotEmpty, snapshot
from securedrop.backup import manifest as names
from securedrop.backup.manifest import Manifest, Member
from securedrop.backup.verify import CHUNK, compare, opened, verify, walk
from securedrop.config import write_config_file
from securedrop.crypto.openpgp import OpenPGP, OpenPGPError
from securedrop.onion.address import address_of_service_key
from securedrop.storage.store import COMMON_MTIME

#: Tables whose rows mean "this instance is in use": restore never overwrites them.
_IN_USE_TABLES = ("sources", "journalists")


@dataclass(frozen=True)
class Target:
    """Where a restore writes: resolved like `config.load`, but before any config exists."""

    data_dir: Path
    config_path: Path
    file_values: dict[str, Any]
    database_url: str

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> Target:
        data_dir = Path(env.get("SECUREDROP_DATA_DIR", "/var/lib/securedrop")).resolve()
        config_path = Path(env["SECUREDROP_CONFIG"]) if env.get("SECUREDROP_CONFIG") else data_dir / "config.toml"
        values: dict[str, Any] = {}
        if config_path.exists():
            try:
                values = tomllib.loads(config_path.read_text())
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise BackupError(f"Cannot read the config file {config_path}: {exc}.") from None
        url = env.get("SECUREDROP_DATABASE_URL") or values.get("database_url") or f"sqlite:///{data_dir / 'db.sqlite'}"
        return cls(data_dir, config_path, values, str(url))


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    source_onion: str | None
    journalist_onion: str | None
    files: int


def _in_use(target: Target) -> str | None:
    """Why the target is not empty, or None."""
    store = target.data_dir / "store"
    if store.is_dir() and any(store.iterdir()):
        return f"{store} holds files"
    if snapshot.is_sqlite(target.database_url) and not snapshot.sqlite_path(target.database_url).exists():
        return None
    engine = create_engine(target.database_url)
    try:
        with engine.connect() as conn:
            present = set(inspect(conn).get_table_names())
            for name in _IN_USE_TABLES:
                if name in present and conn.scalar(select(func.count()).select_from(table(name))):
                    return f"the database already has {name}"
    finally:
        engine.dispose()
    return None


def restore(archive: Path, env: Mapping[str, str], gnupg_home: Path | None = None) -> RestoreResult:
    """Check the whole archive, then restore it into the empty target and migrate it.

    Raises:
        ArchiveInvalid: damaged, altered, truncated, incomplete or too new (nothing written).
        TargetNotEmpty: the data dir or database holds an instance already (nothing written).
    """
    target = Target.from_environment(env)
    manifest = verify(archive, gnupg_home)
    wanted = "sqlite" if snapshot.is_sqlite(target.database_url) else "postgresql"
    if manifest.database != wanted:
        raise ArchiveInvalid(
            f"The archive holds a {manifest.database} database but database_url points at {wanted}; "
            "nothing was restored."
        )
    reason = _in_use(target)
    if reason is not None:
        raise TargetNotEmpty(f"Restore needs a fresh install, but {reason}; nothing was restored.")
    target.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    writer = _Writer(target)
    with opened(archive, gnupg_home) as stream:
        seen, _raw = walk(stream, writer.write_member)
    # A second read must give what the first one checked (the file could change between).
    compare(manifest, seen)
    writer.finish()
    os.sync()  # everything written reaches the disk before the operator is told it is done
    db.upgrade(target.database_url)
    return RestoreResult(manifest, writer.source_onion, writer.journalist_onion, writer.files)


class _Writer:
    """Puts each member in its place, hashing as it goes."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.source_onion: str | None = None
        self.journalist_onion: str | None = None
        self.files = 0
        self.directories: set[Path] = set()

    def finish(self) -> None:
        # Directory times would otherwise date the restore's order of files.
        for directory in self.directories:
            os.utime(directory, (COMMON_MTIME, COMMON_MTIME))

    def write_member(self, name: str, tar: tarfile.TarFile, info: tarfile.TarInfo) -> Member:
        handle = tar.extractfile(info)
        assert handle is not None
        if name.startswith("store/"):
            _, fsid, filename = name.split("/")
            directory = self.target.data_dir / "store" / fsid
            if directory not in self.directories:
                directory.parent.mkdir(mode=0o700, exist_ok=True)
                directory.mkdir(mode=0o700, exist_ok=True)
                self.directories.add(directory)
            self.files += 1
            return _write_file(handle, directory / filename, info.size)
        data = handle.read()
        member = Member(len(data), hashlib.sha256(data).hexdigest())
        if name == names.DATABASE_SQLITE:
            _write_file(_Bytes(data), snapshot.sqlite_path(self.target.database_url), len(data), sqlite=True)
        elif name == names.DATABASE_PGDUMP:
            _restore_postgresql(self.target.database_url, data)
        elif name == names.SETTINGS:
            self._write_settings(data)
        elif name == names.SUBMISSION_KEY:
            self._import_key(data)
        elif name == names.LOGO:
            _write_file(_Bytes(data), self.target.data_dir / "custom_logo.png", len(data))
        else:  # onion/<file>
            path = self.target.data_dir / name
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(path.parent, 0o700)
            _write_file(_Bytes(data), path, len(data))
            if name == "onion/source.key":
                self.source_onion = address_of_service_key(data.decode("ascii"))
            elif name == "onion/journalist.key":
                self.journalist_onion = address_of_service_key(data.decode("ascii"))
        return member

    def _write_settings(self, data: bytes) -> None:
        archived = json.loads(data)
        # The archive's secrets replace a fresh install's; where the data lives
        # (data_dir, database_url) stays as this machine's config says.
        values = {**self.target.file_values, **archived}
        write_config_file(self.target.config_path, values)

    def _import_key(self, data: bytes) -> None:
        settings_fpr = self.target.file_values.get("submission_key_fpr")
        pgp = OpenPGP(self.target.data_dir / "keys", self.target.data_dir / "tmp", settings_fpr)
        try:
            pgp.import_submission_key(data.decode("ascii"))
        except OpenPGPError as exc:
            raise BackupError(f"Could not import the archive's submission key: {exc}.") from None


class _Bytes:
    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)
        self._offset = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size < 0 else self._offset + size
        chunk = bytes(self._data[self._offset:end])
        self._offset += len(chunk)
        return chunk


def _write_file(source: IO[bytes] | _Bytes, path: Path, size: int, sqlite: bool = False) -> Member:
    """Write beside `path` and rename over it (0600, the store's common mtime).

    No fsync per file (30,000 of them would take minutes): restore() syncs once at the end.
    """
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.restoring")
    digest = hashlib.sha256()
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
        if sqlite:
            # A stale WAL beside the new file would be replayed into it.
            for suffix in ("-wal", "-shm"):
                path.with_name(path.name + suffix).unlink(missing_ok=True)
        else:
            os.utime(temp, (COMMON_MTIME, COMMON_MTIME))
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return Member(size, digest.hexdigest())


def _restore_postgresql(database_url: str, dump: bytes) -> None:
    engine = create_engine(database_url)
    try:
        # A fresh install may have run `db upgrade`: its empty tables (checked by
        # _in_use) make way for the archive's, which may be of an older revision.
        metadata = MetaData()
        metadata.reflect(engine)
        metadata.drop_all(engine)
        with engine.connect() as conn:
            major = snapshot.server_major(conn)
    finally:
        engine.dispose()
    args, env = snapshot.libpq_arguments(database_url)
    result = subprocess.run(
        [snapshot.pg_binary("pg_restore", major), "--no-owner", "--no-privileges", "--single-transaction",
         "--exit-on-error", *args],
        input=dump, capture_output=True, env=env, check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.decode(errors='replace').strip()[-400:]}")
