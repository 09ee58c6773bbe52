"""Retention on a real database: sources expire on the day they should, once-only extensions,
files through the shredder, and a period refused when out of range."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from securedrop import db
from securedrop.domain import retention
from securedrop.domain.instance import current_config
from securedrop.models import Journalist, Source
from securedrop.models.base import utcnow
from securedrop.services import Services
from tests.functional.api_world import seed_source
from tests.unit.domain.world import add_journalist


def _set_period(services: Services, days: int | str | None) -> None:
    with db.unit_of_work(services.sessions) as session:
        retention.set_retention_period(session, days)


def _source(services: Services, uuid: str) -> Source | None:
    with services.sessions() as session:
        return session.scalar(select(Source).where(Source.uuid == uuid))


def _expire(services: Services, when: timedelta) -> int:
    with db.unit_of_work(services.sessions) as session:
        return retention.expire_sources(session, services.store, utcnow() + when)


@pytest.mark.parametrize("bad", ["0", "29", "3651", "3650.5", "ten years", "-30"])
def test_a_period_out_of_range_is_refused_and_nothing_changes(services: Services, bad: str) -> None:
    _set_period(services, 90)
    with db.unit_of_work(services.sessions) as session, pytest.raises(retention.InvalidRetentionPeriod):
        retention.set_retention_period(session, bad)
    with services.sessions() as session:
        assert current_config(session).retention_days == 90


def test_retention_is_off_by_default_and_deletes_nothing(services: Services) -> None:
    seeded = seed_source(services)
    assert _expire(services, timedelta(days=100 * 365)) == 0
    assert _source(services, seeded.uuid) is not None


def test_a_source_expires_on_the_day_its_period_ends_and_its_files_go_to_the_shredder(services: Services) -> None:
    _set_period(services, 30)
    seeded = seed_source(services)
    directory = services.store.source_dir(seeded.filesystem_id)
    assert any(directory.iterdir())
    assert _expire(services, timedelta(days=29, hours=23)) == 0
    assert _source(services, seeded.uuid) is not None
    assert _expire(services, timedelta(days=30, minutes=1)) == 1
    assert _source(services, seeded.uuid) is None
    assert not directory.exists()
    assert len(list(services.store.shredder.iterdir())) == 1  # the directory, whole, awaiting overwrite


def test_a_reply_restarts_the_period(services: Services) -> None:
    _set_period(services, 30)
    journalist_id = add_journalist(services, "dellsberg")
    seeded = seed_source(services)
    with db.unit_of_work(services.sessions) as session:
        source = session.scalar(select(Source).where(Source.uuid == seeded.uuid))
        journalist = session.get(Journalist, journalist_id)
        assert source is not None and journalist is not None
        source.last_activity = utcnow() - timedelta(days=29)
        session.flush()
        services.replies(session).send(source, journalist, "we read it")
    assert _expire(services, timedelta(days=29)) == 0
    assert _source(services, seeded.uuid) is not None


def test_an_extension_keeps_a_source_one_more_period_once_and_records_who(services: Services) -> None:
    _set_period(services, 30)
    journalist_id = add_journalist(services, "dellsberg")
    seeded = seed_source(services)
    now = utcnow() + timedelta(days=20)
    with db.unit_of_work(services.sessions) as session:
        source = session.scalar(select(Source).where(Source.uuid == seeded.uuid))
        journalist = session.get(Journalist, journalist_id)
        assert source is not None and journalist is not None
        fsid = source.filesystem_id
        assert retention.upcoming(session, [fsid], now) == {fsid: retention.Expiry(days_left=10, extended=False)}
        retention.extend(session, source, journalist, now)
        with pytest.raises(retention.AlreadyExtended):
            retention.extend(session, source, journalist, now)
        assert retention.upcoming(session, [fsid], now) == {}  # 40 days left: not yet shown
    with services.sessions() as session:
        kept = session.scalar(select(Source).where(Source.uuid == seeded.uuid))
        assert kept is not None and kept.retention_extension is not None
        assert (kept.retention_extension.journalist_id, kept.retention_extension.extended_at) == (journalist_id, now)
    assert _expire(services, timedelta(days=59)) == 0
    assert _expire(services, timedelta(days=60, minutes=1)) == 1


def test_nothing_is_extended_while_retention_is_off(services: Services) -> None:
    journalist_id = add_journalist(services, "dellsberg")
    seeded = seed_source(services)
    with db.unit_of_work(services.sessions) as session, pytest.raises(retention.RetentionOff):
        source = session.scalar(select(Source).where(Source.uuid == seeded.uuid))
        journalist = session.get(Journalist, journalist_id)
        assert source is not None and journalist is not None
        retention.extend(session, source, journalist, utcnow())


def test_the_digest_learns_whether_a_source_is_due_within_a_week(services: Services) -> None:
    _set_period(services, 30)
    seed_source(services)
    with services.sessions() as session:
        assert not retention.sources_expiring_within(session, days=7, now=utcnow())
        assert retention.sources_expiring_within(session, days=7, now=utcnow() + timedelta(days=24))
