"""Downloads and deletions of a source's files: marked seen, zipped, gone after commit."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from securedrop import db
from securedrop.domain import NotFound, NothingSelected
from securedrop.domain import collections as coll
from securedrop.models import Journalist, SeenFile, Source, Submission
from securedrop.services import Services
from tests.functional.api_world import seed_source
from tests.unit.domain.world import add_journalist

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _source(session: Session, uuid: str) -> Source:
    found = session.scalar(select(Source).where(Source.uuid == uuid))
    assert found is not None
    return found


def _journalist(session: Session, journalist_id: int) -> Journalist:
    found = session.get(Journalist, journalist_id)
    assert found is not None
    return found


def test_a_download_is_the_stored_file_and_marks_it_seen(services: Services) -> None:
    journalist_id = add_journalist(services, "dellsberg")
    seeded = seed_source(services)
    with db.unit_of_work(services.sessions) as session:
        source = _source(session, seeded.uuid)
        document = next(s for s in source.submissions if s.is_file)
        downloads = services.downloads(session)
        for bad in ("../1-x-msg.gpg", "1-x-msg.txt"):
            with pytest.raises(coll.InvalidFileName):
                downloads.open_item(source, bad, _journalist(session, journalist_id))
        with pytest.raises(NotFound):
            downloads.open_item(source, "99-nobody-doc.gz.gpg", _journalist(session, journalist_id))
        download = downloads.open_item(source, document.filename, _journalist(session, journalist_id))
        assert download.path.read_bytes() == services.store.path(source.filesystem_id, document.filename).read_bytes()
    with services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(SeenFile)) == 1


def test_a_zip_holds_the_unread_submissions_and_marks_them_seen(services: Services) -> None:
    journalist_id = add_journalist(services, "dellsberg")
    seeded = seed_source(services)
    with db.unit_of_work(services.sessions) as session:
        source, journalist = _source(session, seeded.uuid), _journalist(session, journalist_id)
        unread = coll.unread_submissions(session, [source], journalist)
        assert len(unread) == 2
        made = services.downloads(session).zip(unread, journalist, NOW, single=source)
        assert made.filename == f"{source.journalist_filename}--2026-01-02--03-04-05.zip"
        with zipfile.ZipFile(made.path) as archive:
            assert sorted(n.rsplit("/", 1)[1] for n in archive.namelist()) == sorted(s.filename for s in unread)
    with db.unit_of_work(services.sessions) as session:
        source, journalist = _source(session, seeded.uuid), _journalist(session, journalist_id)
        assert coll.unread_submissions(session, [source], journalist) == []
        with pytest.raises(coll.NothingToDownload):
            services.downloads(session).zip([], journalist, NOW)


def test_deleted_items_leave_the_database_and_the_store_on_commit(services: Services) -> None:
    seeded = seed_source(services)
    with db.unit_of_work(services.sessions) as session:
        source = _source(session, seeded.uuid)
        message = next(s for s in source.submissions if s.is_message)
        with pytest.raises(NothingSelected):
            coll.delete_items(session, services.store, source, [])
        assert coll.delete_items(session, services.store, source, [message.filename]) == 1
        # Until the commit the file is still there: a rollback must be able to keep it.
        assert services.store.path(source.filesystem_id, message.filename).exists()
    with services.sessions() as session:
        remaining = session.scalars(select(Submission.filename)).all()
    assert len(remaining) == 1 and remaining[0] != message.filename
    assert not services.store.path(seeded.filesystem_id, message.filename).exists()
