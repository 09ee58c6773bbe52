"""Retention as admins and journalists use it: the setting, the warnings, keeping a source once,
and the worker deleting what expired through the shredder."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update

from securedrop import db, worker
from securedrop.domain.instance import current_config
from securedrop.models import RetentionExtension, Source
from securedrop.models.base import utcnow
from securedrop.services import Services
from tests.functional.api_world import seed_source, source_row
from tests.functional.journalist_journey import Account, Clock, logged_in, post


def _period(services: Services) -> int | None:
    with services.sessions() as session:
        return current_config(session).retention_days


def _idle_for(services: Services, source_uuid: str, days: int) -> None:
    with db.unit_of_work(services.sessions) as session:
        session.execute(
            update(Source).where(Source.uuid == source_uuid).values(last_activity=utcnow() - timedelta(days=days))
        )


@pytest.mark.parametrize("bad", ["0", "10", "3651", "ten years", "36500"])
def test_an_admin_cannot_set_a_period_out_of_range(
    journalist_client: FlaskClient, admin: Account, clock: Clock, services: Services, bad: str
) -> None:
    client = logged_in(journalist_client, admin, clock)
    response = post(client, "/admin/update-retention", {"retention_days": bad}, page="/admin/config")
    assert response.status_code == 400
    assert "whole number of days from 30 to 3650" in response.get_data(as_text=True)
    assert _period(services) is None


def test_an_admin_sets_and_clears_the_period(
    journalist_client: FlaskClient, admin: Account, clock: Clock, services: Services
) -> None:
    client = logged_in(journalist_client, admin, clock)
    response = post(client, "/admin/update-retention", {"retention_days": "90"}, page="/admin/config",
                    follow_redirects=True)
    assert "Sources inactive for 90 days will be deleted." in response.get_data(as_text=True)
    assert _period(services) == 90
    assert 'name="retention_days" min="30" max="3650" value="90"' in client.get("/admin/config").get_data(
        as_text=True)
    post(client, "/admin/update-retention", {"retention_days": ""}, page="/admin/config")
    assert _period(services) is None


def test_journalists_see_a_source_coming_up_and_keep_it_once(
    journalist_client: FlaskClient, admin: Account, journalist: Account, clock: Clock, services: Services
) -> None:
    admin_client = logged_in(journalist_client, admin, clock)
    post(admin_client, "/admin/update-retention", {"retention_days": "30"}, page="/admin/config")
    soon, later = seed_source(services), seed_source(services)
    _idle_for(services, soon.uuid, 25)
    _idle_for(services, later.uuid, 1)

    index = admin_client.get("/").get_data(as_text=True)
    assert index.count("deleted in 5 days") == 1
    filtered = admin_client.get("/?expiring=1").get_data(as_text=True)
    assert soon.filesystem_id in filtered and later.filesystem_id not in filtered

    page = f"/col/{soon.filesystem_id}"
    assert "This source will be deleted in 5 days unless they write again." in admin_client.get(page).get_data(
        as_text=True)
    kept = post(admin_client, f"{page}/keep", page=page, follow_redirects=True).get_data(as_text=True)
    assert "The source will be kept for one more retention period." in kept
    assert soon.filesystem_id not in admin_client.get("/?expiring=1").get_data(as_text=True)
    again = post(admin_client, f"{page}/keep", page=page, follow_redirects=True).get_data(as_text=True)
    assert "already kept once" in again
    with services.sessions() as session:
        extension = session.scalar(select(RetentionExtension))
        assert extension is not None and extension.journalist_id == admin.id


def test_the_worker_deletes_expired_sources_through_the_shredder(services: Services) -> None:
    with db.unit_of_work(services.sessions) as session:
        from securedrop.domain.retention import set_retention_period

        set_retention_period(session, 30)
    expired, active = seed_source(services), seed_source(services)
    _idle_for(services, expired.uuid, 31)
    directory = services.store.source_dir(expired.filesystem_id)
    files = sorted(path.name for path in directory.iterdir())
    assert files
    shredded = worker.run_once(services, passes=1)
    assert shredded == len(files)  # every file of the expired source was overwritten, then unlinked
    assert source_row(services, expired.uuid) is None and not directory.exists()
    assert source_row(services, active.uuid) is not None
