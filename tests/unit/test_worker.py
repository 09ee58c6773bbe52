"""The worker's session purge: records past their purge hour go, others stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from securedrop import db, worker
from securedrop.models import WebSession
from securedrop.models.base import utcnow
from securedrop.services import Services


def test_expired_sessions_are_purged_and_live_ones_kept(services: Services) -> None:
    now = utcnow()
    with db.unit_of_work(services.sessions) as session:
        session.add_all([
            WebSession(id_hash="a" * 64, app="source", purge_after=now - timedelta(seconds=1), sealed=b"x"),
            WebSession(id_hash="b" * 64, app="journalist", purge_after=now - timedelta(days=3), sealed=b"x"),
            WebSession(id_hash="c" * 64, app="source", purge_after=now + timedelta(minutes=5), sealed=b"x"),
        ])
    worker.run_once(services, passes=1)
    with services.sessions() as session:
        assert list(session.scalars(select(WebSession.id_hash))) == ["c" * 64]


def test_a_completed_round_is_recorded_for_the_stall_alert(services: Services) -> None:
    from securedrop.domain.system_facts import worker_last_round

    assert worker_last_round(services.settings.data_dir) is None
    worker.run_once(services, passes=1)
    last = worker_last_round(services.settings.data_dir)
    assert last is not None and utcnow() - last < timedelta(minutes=1)
