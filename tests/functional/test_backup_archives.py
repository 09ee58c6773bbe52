"""Encrypted archives, and damaged ones: each fails the restore with a clear sentence before anything is written."""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from securedrop.backup.manifest import Manifest
from securedrop.backup.state import read_outcome
from tests.conftest import SubmissionKey, stop_gpg_daemons
from tests.functional.backup_world import Newsroom, run_cli, seed


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory, submission_key: SubmissionKey) -> Newsroom:
    base = tmp_path_factory.mktemp("bk")
    newsroom = seed(base / "data", submission_key.public, f"sqlite:///{base / 'data' / 'db.sqlite'}")
    newsroom.close()
    return newsroom


@pytest.fixture(scope="module")
def archive(room: Newsroom, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("archive") / "good.tar"
    made = run_cli(room.env, "backup", "--quiet", "--output", str(path))
    assert made.returncode == 0, made.stderr
    return path


def _target(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "SECUREDROP_DATA_DIR": str(tmp_path / "new")}
    env.pop("SECUREDROP_CONFIG", None)
    env.pop("SECUREDROP_DATABASE_URL", None)
    return env


def _rewrite(source: Path, target: Path, change: Callable[[str, bytes], bytes | None]) -> None:
    """Copy a tar member by member; `change` may alter a member's bytes or drop it (None)."""
    with tarfile.open(source) as old, tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as new:
        for info in old.getmembers():
            handle = old.extractfile(info)
            assert handle is not None
            data = change(info.name, handle.read())
            if data is None:
                continue
            info.size = len(data)
            new.addfile(info, io.BytesIO(data))


def _flip_byte(source: Path, target: Path) -> None:
    data = bytearray(source.read_bytes())
    with tarfile.open(source) as tar:
        member = next(m for m in tar.getmembers() if m.name.startswith("store/"))
    data[member.offset_data + member.size // 2] ^= 0x01
    target.write_bytes(bytes(data))


def _truncate(source: Path, target: Path) -> None:
    data = source.read_bytes()
    target.write_bytes(data[: len(data) * 2 // 3])


def _newer_schema(source: Path, target: Path) -> None:
    def change(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = Manifest.from_bytes(data)
        manifest.schema_revision = "9999"
        return manifest.to_bytes()

    _rewrite(source, target, change)


def _missing_member(source: Path, target: Path) -> None:
    dropped = []

    def change(name: str, data: bytes) -> bytes | None:
        if name.startswith("store/") and not dropped:
            dropped.append(name)
            return None
        return data

    _rewrite(source, target, change)


def _forged_manifest(source: Path, target: Path) -> None:
    """A manifest edited without updating its own digest (damage, or a careless forger)."""
    def change(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        outer = json.loads(data)
        outer["manifest"]["source_onion"] = "x" * 56
        return json.dumps(outer).encode()

    _rewrite(source, target, change)


@pytest.mark.parametrize(("damage", "sentence"), [
    (_truncate, "truncated"),
    (_flip_byte, "does not match its checksum"),
    (_newer_schema, "schema revision 9999"),
    (_missing_member, "lacks 1 member"),
    (_forged_manifest, "does not match its own checksum"),
])
def test_damaged_archive_fails_before_anything_is_written(
    archive: Path, tmp_path: Path, damage: Callable[[Path, Path], None], sentence: str
) -> None:
    damaged = tmp_path / "damaged.tar"
    damage(archive, damaged)
    env = _target(tmp_path)
    result = run_cli(env, "restore", str(damaged))
    assert result.returncode == 2
    assert sentence in result.stderr
    assert "nothing was restored" in result.stderr.lower()
    assert not (tmp_path / "new").exists()


def _admin_key(home: Path) -> str:
    """A test admin's key pair in its own gpg home (kept "off the server"); its fingerprint."""
    home.mkdir(mode=0o700)
    subprocess.run(["gpg", "--homedir", str(home), "--batch", "--passphrase", "", "--quick-gen-key",
                    "Backup Admin <admin@example.invalid>", "ed25519", "sign", "never"], check=True,
                   capture_output=True)
    listing = subprocess.run(["gpg", "--homedir", str(home), "--with-colons", "--list-keys"], check=True,
                             capture_output=True, text=True).stdout
    fpr = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr"))
    subprocess.run(["gpg", "--homedir", str(home), "--batch", "--passphrase", "", "--quick-add-key", fpr,
                    "cv25519", "encr", "never"], check=True, capture_output=True)
    return fpr


@pytest.fixture
def admin_home(tmp_path: Path) -> Iterator[Path]:
    """The admin's gpg home; its agent (started by the key generation) is stopped after."""
    home = tmp_path / "admin-gpg"
    yield home
    stop_gpg_daemons(home)


def test_encrypted_archive_round_trip(room: Newsroom, tmp_path: Path, admin_home: Path) -> None:
    home = admin_home
    fpr = _admin_key(home)
    public = tmp_path / "admin.asc"
    public.write_bytes(subprocess.run(["gpg", "--homedir", str(home), "--armor", "--export", fpr],
                                      check=True, capture_output=True).stdout)
    out = tmp_path / "enc.tar.gpg"
    made = run_cli(room.env, "backup", "--quiet", "--import-key", str(public), "--encrypt-to", fpr,
                   "--output", str(out))
    assert made.returncode == 0, made.stderr
    assert "NOT encrypted" not in made.stderr
    head = out.read_bytes()[:512]
    assert b"ustar" not in head and b"settings.json" not in head
    outcome = read_outcome(room.settings.data_dir)
    assert outcome is not None and outcome.ok and outcome.encrypted and outcome.archive == str(out)

    refused = run_cli(_target(tmp_path / "a"), "restore", str(out), "--gnupg-home", str(tmp_path / "a"))
    assert refused.returncode == 2 and "could not decrypt" in refused.stderr

    altered = tmp_path / "altered.tar.gpg"
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 0x01
    altered.write_bytes(bytes(data))
    refused = run_cli(_target(tmp_path / "b"), "restore", str(altered), "--gnupg-home", str(home))
    assert refused.returncode == 2 and "could not decrypt" in refused.stderr
    assert not (tmp_path / "b" / "new").exists()

    env = _target(tmp_path)
    restored = run_cli(env, "restore", str(out), "--gnupg-home", str(home))
    assert restored.returncode == 0, restored.stderr
    assert f"http://{room.source_onion}.onion/" in restored.stdout
    again = Newsroom.load(env)
    assert again.store_digests() == room.store_digests()
    again.close()


def test_failed_backup_is_recorded(room: Newsroom, tmp_path: Path) -> None:
    failed = run_cli(room.env, "backup", "--quiet", "--encrypt-to", "0" * 40, "--output", str(tmp_path / "x"))
    assert failed.returncode == 1
    assert "Cannot encrypt to" in failed.stderr
    outcome = read_outcome(room.settings.data_dir)
    assert outcome is not None and not outcome.ok and outcome.error and "Cannot encrypt" in outcome.error
    assert not (tmp_path / "x").exists() and not (tmp_path / "x.partial").exists()


def test_output_dir_keeps_the_newest(room: Newsroom, tmp_path: Path) -> None:
    directory = tmp_path / "nightly"
    directory.mkdir()
    old = [directory / f"securedrop-backup-2020010{day}T000000Z.tar" for day in range(1, 4)]
    for path in old:
        path.write_bytes(b"old archive")
    (directory / "notes.txt").write_text("not ours")
    made = run_cli({**room.env, "SECUREDROP_BACKUP_DIR": str(directory), "SECUREDROP_BACKUP_KEEP": "2"},
                   "backup", "--quiet")
    assert made.returncode == 0, made.stderr
    left = sorted(p.name for p in directory.iterdir())
    assert len(left) == 3 and "notes.txt" in left and old[2].name in left
    assert not old[0].exists() and not old[1].exists()


def test_an_older_schema_is_migrated_on_restore(tmp_path: Path, submission_key: SubmissionKey) -> None:
    from sqlalchemy import create_engine, text

    from securedrop import config, db
    from securedrop.backup.verify import known_revisions

    data_dir = tmp_path / "old"
    config.write_config_file(data_dir / "config.toml", {**config.new_secrets(), "dev": True})
    env = {**os.environ, "SECUREDROP_DATA_DIR": str(data_dir)}
    env.pop("SECUREDROP_CONFIG", None)
    env.pop("SECUREDROP_DATABASE_URL", None)
    older = known_revisions()[-2]
    db.upgrade(config.load(env).database_url, older)
    archive = tmp_path / "old.tar"
    made = run_cli(env, "backup", "--quiet", "--output", str(archive))
    assert made.returncode == 0, made.stderr
    target = _target(tmp_path)
    restored = run_cli(target, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    assert f"schema {older}" in restored.stdout
    engine = create_engine(f"sqlite:///{tmp_path / 'new' / 'db.sqlite'}")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == known_revisions()[-1]
    engine.dispose()
