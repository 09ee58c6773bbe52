"""Retention: sources idle longer than the newsroom's period are deleted, with warning and one extension.

A source's period counts from its last activity (a submission or a reply). Journalists see
a source coming up for deletion WARNING_DAYS ahead and may keep it once for one more
period; the worker deletes what has expired through the same path as a journalist's
delete, so nothing on disk tells the two apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from securedrop.domain import DomainError
from securedrop.domain.instance import current_config, update_config
from securedrop.domain.sources import delete_source, live_conditions
from securedrop.models import InstanceConfig, Journalist, RetentionExtension, Source
from securedrop.storage.store import Store

MIN_DAYS = 30
MAX_DAYS = 3650
#: How far ahead journalists are told a source will be deleted.
WARNING_DAYS = 14


class RetentionError(DomainError):
    """Base of the reasons a retention change is refused; nothing is changed."""


class InvalidRetentionPeriod(RetentionError):
    """Raised when the period is not a whole number of days from MIN_DAYS to MAX_DAYS."""


class RetentionOff(RetentionError):
    """Raised when a source is extended while no retention period is set."""


class AlreadyExtended(RetentionError):
    """Raised when a source that was already kept once is extended again."""


def set_retention_period(session: Session, days: str | int | None) -> InstanceConfig:
    """Set the period in days; None or an empty value turns retention off.

    Raises: InvalidRetentionPeriod.
    """
    text = "" if days is None else str(days).strip()
    if not text:
        return update_config(session, retention_days=None)
    try:
        value = int(text)
    except ValueError as exc:
        raise InvalidRetentionPeriod() from exc
    if not MIN_DAYS <= value <= MAX_DAYS:
        raise InvalidRetentionPeriod()
    return update_config(session, retention_days=value)


def retention_period(session: Session) -> timedelta | None:
    days = current_config(session).retention_days
    return None if days is None else timedelta(days=days)


def _expires_before(moment: datetime, period: timedelta) -> ColumnElement[bool]:
    """Sources due before `moment`, as one SQL condition: a source is due one period after
    its last activity, two once a journalist has extended it."""
    extended = Source.retention_extension.has()
    return or_(
        and_(~extended, Source.last_activity < moment - period),
        and_(extended, Source.last_activity < moment - 2 * period),
    )


def expiring_condition(session: Session, now: datetime) -> ColumnElement[bool] | None:
    """The live sources due within WARNING_DAYS (the index's filter), or None when retention is off."""
    period = retention_period(session)
    if period is None:
        return None
    return _expires_before(now + timedelta(days=WARNING_DAYS), period)


@dataclass(frozen=True)
class Expiry:
    """What a journalist is told of one source's coming deletion."""

    days_left: int
    extended: bool


def upcoming(session: Session, filesystem_ids: list[str], now: datetime) -> dict[str, Expiry]:
    """By filesystem id, those of the sources named to be deleted within WARNING_DAYS (one
    the next worker round deletes shows 1 day left), in one query."""
    period = retention_period(session)
    if period is None or not filesystem_ids:
        return {}
    rows = session.execute(
        select(Source.filesystem_id, Source.last_activity, RetentionExtension.source_id)
        .outerjoin(RetentionExtension, RetentionExtension.source_id == Source.id)
        .where(Source.filesystem_id.in_(filesystem_ids))
    ).all()
    horizon = now + timedelta(days=WARNING_DAYS)
    found: dict[str, Expiry] = {}
    for filesystem_id, last_activity, extension in rows:
        due = last_activity + (2 if extension is not None else 1) * period
        if due < horizon:
            days = max(1, math.ceil((due - now) / timedelta(days=1)))
            found[filesystem_id] = Expiry(days_left=days, extended=extension is not None)
    return found


def sources_expiring_within(session: Session, *, days: int, now: datetime) -> bool:
    """Whether any live source is due for deletion within `days` (for the daily digest)."""
    period = retention_period(session)
    if period is None:
        return False
    condition = _expires_before(now + timedelta(days=days), period)
    return session.scalar(select(Source.id).where(*live_conditions(), condition).limit(1)) is not None


def extend(session: Session, source: Source, journalist: Journalist, now: datetime) -> None:
    """Keep `source` for one more period, once, recording who and when.

    Raises: RetentionOff, AlreadyExtended.
    """
    if retention_period(session) is None:
        raise RetentionOff()
    if source.retention_extension is not None:
        raise AlreadyExtended()
    source.retention_extension = RetentionExtension(journalist_id=journalist.id, extended_at=now)
    session.flush()


def expire_sources(session: Session, store: Store, now: datetime) -> int:
    """Delete every source (pending or not) whose period has run out. Returns how many."""
    period = retention_period(session)
    if period is None:
        return 0
    expired = session.scalars(select(Source).where(_expires_before(now, period))).all()
    for source in expired:
        delete_source(session, store, source)
    return len(expired)
