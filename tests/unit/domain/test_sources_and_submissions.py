"""Domain rules for sources and submissions, on SQLite and PostgreSQL with real gpg."""

from __future__ import annotations

import io
import threading

import pytest
from sqlalchemy import func, select

from securedrop import db
from securedrop.crypto.codenames import generate_codename
from securedrop.domain import EmptySubmission, SourceCreationError
from securedrop.domain import sources as sources_domain
from securedrop.domain.instance import current_config, update_config
from securedrop.domain.submissions import Upload
from securedrop.models import InstanceConfig, Source, Submission
from securedrop.services import Services


def _create(services: Services, codename: str | None = None) -> tuple[str, int]:
    codename = codename or generate_codename()
    with db.unit_of_work(services.sessions) as session:
        source = sources_domain.create_source(session, services.pgp, services.hasher.derive(codename))
        session.flush()
        return codename, source.id


def test_same_codename_cannot_create_twice(services: Services) -> None:
    codename, _ = _create(services)
    with pytest.raises(SourceCreationError), db.unit_of_work(services.sessions) as session:
        sources_domain.create_source(session, services.pgp, services.hasher.derive(codename))


def test_no_free_designation_fails_like_a_collision(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources_domain, "generate_designation", lambda: "taken name")
    _create(services)
    with pytest.raises(SourceCreationError), db.unit_of_work(services.sessions) as session:
        sources_domain.create_source(session, services.pgp, services.hasher.derive(generate_codename()))
    with services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Source)) == 1


def test_login_finds_the_source_and_unlocks_its_key(services: Services) -> None:
    codename, source_id = _create(services)
    with services.sessions() as session:
        found = sources_domain.login(session, services.hasher, codename)
        assert found is not None and found[0].id == source_id
        secret = sources_domain.unlock_secret_key(found[0], found[1].key_passphrase)
        assert "BEGIN PGP PRIVATE KEY BLOCK" in secret
        assert sources_domain.login(session, services.hasher, generate_codename()) is None


def test_counter_never_hands_out_a_number_twice(services: Services) -> None:
    _codename, source_id = _create(services)
    taken: list[int] = []
    errors: list[BaseException] = []

    def take() -> None:
        try:
            for _ in range(10):
                with db.unit_of_work(services.sessions) as session:
                    source = session.get(Source, source_id)
                    assert source is not None
                    taken.append(sources_domain.next_interaction(session, source))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(taken) == list(range(1, 41))


def test_rolled_back_submission_leaves_no_file(services: Services) -> None:
    _codename, source_id = _create(services)
    session = services.sessions()
    source = session.get(Source, source_id)
    assert source is not None
    services.submissions(session, current_config(session)).submit(
        source, "hello", Upload(io.BytesIO(b"doc"), "a.txt", 3)
    )
    directory = services.store.source_dir(source.filesystem_id)
    assert len(list(directory.iterdir())) == 2
    db.rollback(session)
    session.close()
    assert list(directory.iterdir()) == []
    with services.sessions() as check:
        assert check.scalar(select(func.count()).select_from(Submission)) == 0
        refreshed = check.get(Source, source_id)
        assert refreshed is not None and refreshed.interaction_count == 0 and refreshed.pending


def test_rejected_submission_takes_no_number(services: Services) -> None:
    _codename, source_id = _create(services)
    with pytest.raises(EmptySubmission), db.unit_of_work(services.sessions) as session:
        source = session.get(Source, source_id)
        assert source is not None
        services.submissions(session, current_config(session)).submit(source, "", None)
    with services.sessions() as session:
        source = session.get(Source, source_id)
        assert source is not None and source.interaction_count == 0


def test_instance_config_is_versioned(services: Services) -> None:
    with db.unit_of_work(services.sessions) as session:
        assert current_config(session).organization_name == "SecureDrop"
        update_config(session, organization_name="The Daily Planet")
        update_config(session, allow_document_uploads=False)
    with services.sessions() as session:
        current = current_config(session)
        assert current.organization_name == "The Daily Planet" and not current.allow_document_uploads
        rows = session.scalars(select(InstanceConfig)).all()
        assert len(rows) == 3 and sum(r.valid_until is None for r in rows) == 1
        with pytest.raises(TypeError):
            update_config(session, no_such_setting=True)


def test_worker_purges_abandoned_pending_sources_but_keeps_the_newest(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from securedrop import worker
    from securedrop.models.base import utcnow

    monkeypatch.setattr(sources_domain, "KEEP_NEWEST_PENDING", 2)
    ids = [_create(services)[1] for _ in range(4)]
    _codename, submitted = _create(services)
    with db.unit_of_work(services.sessions) as session:
        for age, source_id in enumerate(ids):  # 2, 3, 4 and 5 days old
            row = session.get(Source, source_id)
            assert row is not None
            row.last_updated = utcnow() - timedelta(days=age + 2)
        old_but_live = session.get(Source, submitted)
        assert old_but_live is not None
        old_but_live.pending = False
        old_but_live.last_updated = utcnow() - timedelta(days=30)
    worker.run_once(services, passes=1)
    with services.sessions() as session:
        left = set(session.scalars(select(Source.id)))
    # The two newest pending sources stay, as does the one that submitted.
    assert left == {ids[0], ids[1], submitted}
