"""The facts behind the admin System page and the alerts: disk, worker, key, onions, backup, logins."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from securedrop.crypto.openpgp import OpenPGP, SubmissionKeyError
from securedrop.models import FailedLogin, Reply, Source, Submission
from securedrop.onion.address import address_of_service_key
from securedrop.onion.errors import CorruptKey
from securedrop.storage.space import FULL_THRESHOLD

#: The worker touches this file in the data dir after every completed round (the name
#: `securedrop status` reads too).
WORKER_STAMP = "worker.last-round"
#: Written by `securedrop serve`: whether the onion services are published right now.
ONION_STATE = Path("state") / "onion.json"
#: Written by `securedrop backup` after each run (ok, finished_at, error, ...).
BACKUP_STATE = Path("state") / "backup.json"

#: The same line at which the source interface stops accepting submissions.
DISK_ALERT_PERCENT = 100 * FULL_THRESHOLD
WORKER_STALL = timedelta(minutes=10)
KEY_EXPIRY_WARNING = timedelta(days=30)
LOGIN_FAILURE_WINDOW = timedelta(hours=1)
LOGIN_FAILURE_LIMIT = 20
#: `serve` rewrites its state at least this often; an older file means it stopped checking.
ONION_STATE_STALE = timedelta(minutes=5)


class Condition(StrEnum):
    """What admins are alerted about (at most once an hour each)."""

    DISK_FULL = "disk_full"
    WORKER_STALLED = "worker_stalled"
    ONION_UNPUBLISHED = "onion_unpublished"
    SUBMISSION_KEY = "submission_key"
    BACKUP_FAILED = "backup_failed"
    LOGIN_FAILURES = "login_failures"


@dataclass(frozen=True)
class SystemFacts:
    """Counts and states only: nothing here could identify a source."""

    checked_at: datetime
    disk_used_percent: float
    disk_free_bytes: int
    worker_last_round: datetime | None
    submission_key_fpr: str | None
    submission_key_problem: str | None
    submission_key_expires: datetime | None
    #: None when `serve` has not recorded anything (not running under `serve`).
    onion_published: bool | None
    onion_checked_at: datetime | None
    backup_ok: bool | None
    backup_finished_at: datetime | None
    backup_error: str | None
    failed_logins_last_hour: int
    #: The addresses the onion keys publish (None before `serve` first made a key).
    source_onion: str | None = None
    journalist_onion: str | None = None
    #: Live sources, submissions and replies: counts only.
    counts: tuple[int, int, int] = (0, 0, 0)


def record_failed_login(session: Session, now: datetime) -> None:
    """Count one failed journalist login (no username, no address: only the rate matters)."""
    session.execute(delete(FailedLogin).where(FailedLogin.timestamp < now - 2 * LOGIN_FAILURE_WINDOW))
    session.add(FailedLogin(timestamp=now))


def _read_json(path: Path) -> dict[str, object] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def worker_last_round(data_dir: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp((data_dir / WORKER_STAMP).stat().st_mtime, UTC)
    except OSError:
        return None


def _onion_address(key_file: Path) -> str | None:
    try:
        return address_of_service_key(key_file.read_text())
    except (OSError, CorruptKey):
        return None


def _counts(session: Session) -> tuple[int, int, int]:
    sources = session.scalar(select(func.count()).select_from(Source).where(Source.pending.is_(False)))
    submissions = session.scalar(select(func.count()).select_from(Submission))
    replies = session.scalar(select(func.count()).select_from(Reply))
    return int(sources or 0), int(submissions or 0), int(replies or 0)


def gather(session: Session, data_dir: Path, pgp: OpenPGP, now: datetime) -> SystemFacts:
    usage = shutil.disk_usage(data_dir)
    fpr = problem = None
    expires = None
    try:
        pgp.check_submission_key()
        fpr = pgp.submission_fingerprint
        expires = pgp.submission_key_expiry()
    except SubmissionKeyError as exc:
        problem = str(exc)
    onion = _read_json(data_dir / ONION_STATE)
    backup = _read_json(data_dir / BACKUP_STATE)
    failures = session.scalar(
        select(func.count()).select_from(FailedLogin).where(FailedLogin.timestamp >= now - LOGIN_FAILURE_WINDOW)
    )
    return SystemFacts(
        checked_at=now,
        disk_used_percent=100.0 * usage.used / usage.total if usage.total else 0.0,
        disk_free_bytes=usage.free,
        worker_last_round=worker_last_round(data_dir),
        submission_key_fpr=fpr,
        submission_key_problem=problem,
        submission_key_expires=expires,
        onion_published=bool(onion.get("published")) if onion is not None else None,
        onion_checked_at=_time(onion.get("checked_at")) if onion is not None else None,
        backup_ok=bool(backup.get("ok")) if backup is not None else None,
        backup_finished_at=_time(backup.get("finished_at")) if backup is not None else None,
        backup_error=str(backup.get("error") or "") or None if backup is not None else None,
        failed_logins_last_hour=int(failures or 0),
        source_onion=_onion_address(data_dir / "onion" / "source.key"),
        journalist_onion=_onion_address(data_dir / "onion" / "journalist.key"),
        counts=_counts(session),
    )


def active_conditions(facts: SystemFacts, worker_started: datetime | None = None) -> set[Condition]:
    """The conditions that hold. A worker with no round yet counts from `worker_started`."""
    now = facts.checked_at
    found: set[Condition] = set()
    if facts.disk_used_percent > DISK_ALERT_PERCENT:
        found.add(Condition.DISK_FULL)
    last_round = facts.worker_last_round or worker_started
    if last_round is not None and now - last_round > WORKER_STALL:
        found.add(Condition.WORKER_STALLED)
    if facts.onion_published is False or (
        facts.onion_checked_at is not None and now - facts.onion_checked_at > ONION_STATE_STALE
    ):
        found.add(Condition.ONION_UNPUBLISHED)
    if facts.submission_key_problem is not None or (
        facts.submission_key_expires is not None and facts.submission_key_expires - now < KEY_EXPIRY_WARNING
    ):
        found.add(Condition.SUBMISSION_KEY)
    if facts.backup_ok is False:
        found.add(Condition.BACKUP_FAILED)
    if facts.failed_logins_last_hour > LOGIN_FAILURE_LIMIT:
        found.add(Condition.LOGIN_FAILURES)
    return found
