"""`securedrop backup`: snapshot, archive (optionally through gpg), record the outcome, rotate."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, TextIO

from securedrop.backup import BackupError, snapshot
from securedrop.backup.archive import write_archive
from securedrop.backup.manifest import Manifest
from securedrop.backup.state import BackupOutcome, write_outcome
from securedrop.config import Settings
from securedrop.crypto.openpgp import OpenPGP, OpenPGPError
from securedrop.storage.shredder import shred_file

#: Names `--output-dir` gives archives; rotation touches no other file.
ARCHIVE_NAME = re.compile(r"^securedrop-backup-\d{8}T\d{6}Z\.tar(\.gpg)?$")


@dataclass
class BackupResult:
    path: Path
    manifest: Manifest
    size: int
    encrypted: bool
    missing: list[str] = field(default_factory=list)


def backup_keyring(settings: Settings) -> Path:
    """Admins' public keys for `--encrypt-to`, apart from the submission keyring (which
    must hold exactly one key unless submission_key_fpr is set)."""
    return settings.data_dir / "backup-keys"


def admin_key(settings: Settings, fingerprint: str) -> OpenPGP:
    """An OpenPGP whose "submission" key is the admin's backup key.

    Raises: BackupError: the key is not in the backup keyring, or is unusable.
    """
    pgp = OpenPGP(backup_keyring(settings), settings.tmp_dir, fingerprint.replace(" ", "").upper(),
                  settings.gpg_binary)
    try:
        pgp.check_submission_key()
    except OpenPGPError as exc:
        raise BackupError(
            f"Cannot encrypt to {fingerprint}: {exc}. Import the admin's public key with "
            "`securedrop backup --import-key FILE`."
        ) from None
    return pgp


def import_admin_key(settings: Settings, armored: str) -> str:
    """Raises: BackupError: not a public key (secret keys are refused)."""
    try:
        return OpenPGP(backup_keyring(settings), settings.tmp_dir, None, settings.gpg_binary).import_submission_key(
            armored
        )
    except OpenPGPError as exc:
        raise BackupError(str(exc)) from None


def default_name(encrypted: bool, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"securedrop-backup-{stamp}.tar" + (".gpg" if encrypted else "")


def _write_encrypted(pgp: OpenPGP, output: Path, produce: Callable[[BinaryIO], None]) -> None:
    """Run `produce` into a pipe that gpg reads and encrypts into `output`.

    The plaintext archive exists only in the pipe: it never touches the disk.
    """
    read_fd, write_fd = os.pipe()
    reader = os.fdopen(read_fd, "rb")
    failure: list[BaseException] = []

    def encrypt() -> None:
        try:
            pgp.encrypt_stream_to_submission_key(reader, output)
        except BaseException as exc:  # reported by the main thread
            failure.append(exc)
        finally:
            # If gpg stopped early, the writer gets EPIPE instead of blocking forever.
            reader.close()

    thread = threading.Thread(target=encrypt, name="backup-gpg", daemon=True)
    thread.start()
    try:
        with os.fdopen(write_fd, "wb") as writer:
            produce(writer)
    except BrokenPipeError:
        pass  # gpg's own error, below, says why
    finally:
        thread.join()
    if failure:
        raise BackupError(f"gpg could not encrypt the archive: {failure[0]}")


def run_backup(settings: Settings, output: Path, encrypt_to: str | None,
               progress_stream: TextIO | None) -> BackupResult:
    """Write one archive to `output` (never overwriting), then record the outcome.

    The archive appears under its name only once complete: it is written beside it
    as `<name>.partial` and renamed.

    Raises: BackupError (after recording the failure in the state file).
    """
    try:
        result = _backup(settings, output, encrypt_to, progress_stream)
    except (BackupError, OSError) as exc:
        message = str(exc) if isinstance(exc, BackupError) else f"Could not write the archive: {exc}."
        write_outcome(settings.data_dir, BackupOutcome(
            ok=False, finished_at=_now(), archive=str(output), encrypted=encrypt_to is not None, error=message,
        ))
        raise BackupError(message) from None
    write_outcome(settings.data_dir, BackupOutcome(
        ok=True, finished_at=_now(), archive=str(result.path), bytes=result.size, encrypted=result.encrypted,
    ))
    return result


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _backup(settings: Settings, output: Path, encrypt_to: str | None,
            progress_stream: TextIO | None) -> BackupResult:
    if output.exists():
        raise BackupError(f"{output} already exists; choose another name.")
    pgp = admin_key(settings, encrypt_to) if encrypt_to else None
    output.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    partial.unlink(missing_ok=True)
    taken = snapshot.take(settings.database_url)
    outcome: list[tuple[Manifest, list[str]]] = []

    def produce(sink: BinaryIO) -> None:
        outcome.append(write_archive(settings, taken, sink, progress_stream))

    old_umask = os.umask(0o077)  # gpg creates its output with the process umask
    try:
        if pgp is not None:
            _write_encrypted(pgp, partial, produce)
        else:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                produce(handle)
                handle.flush()
                os.fsync(handle.fileno())
        if not outcome:
            raise BackupError("The archive was not completed.")
        os.chmod(partial, 0o600)
        os.replace(partial, output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        os.umask(old_umask)
    manifest, missing = outcome[0]
    return BackupResult(output, manifest, output.stat().st_size, pgp is not None, missing)


def rotate(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` archives that `--output-dir` named. Returns them.

    A plaintext archive unlocks every source account, so it is overwritten first;
    an encrypted one is just unlinked.
    """
    archives = sorted(p for p in directory.iterdir() if p.is_file() and ARCHIVE_NAME.match(p.name))
    doomed = archives[: max(len(archives) - keep, 0)]
    for path in doomed:
        if path.name.endswith(".gpg"):
            path.unlink()
        else:
            shred_file(path, passes=1)
    return doomed
