"""SQLite's write-ahead log is emptied after transactions that delete, and only after those."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete

from securedrop import db
from securedrop.models import WebSession
from securedrop.models.base import utcnow
from securedrop.services import Services

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

MARKER = "f" * 63 + "0"


def wal(services: Services) -> Path:
    return Path(f"{services.engine.url.database}-wal")


def add_session_row(services: Services) -> None:
    with db.unit_of_work(services.sessions) as session:
        session.add(WebSession(id_hash=MARKER, app="source", purge_after=utcnow() + timedelta(hours=1), sealed=b"x"))


def test_a_bulk_delete_statement_empties_the_wal(services: Services) -> None:
    add_session_row(services)
    assert MARKER.encode() in wal(services).read_bytes()
    with db.unit_of_work(services.sessions) as session:
        session.execute(delete(WebSession).where(WebSession.id_hash == MARKER))
    assert wal(services).stat().st_size == 0


def test_transactions_that_delete_nothing_leave_the_wal_alone(services: Services) -> None:
    add_session_row(services)
    # No checkpoint per write: the log keeps growing until SQLite's own checkpoint.
    assert MARKER.encode() in wal(services).read_bytes()


def test_a_rolled_back_deletion_does_not_checkpoint(services: Services) -> None:
    add_session_row(services)
    with pytest.raises(RuntimeError), db.unit_of_work(services.sessions) as session:
        session.execute(delete(WebSession).where(WebSession.id_hash == MARKER))
        raise RuntimeError("the request failed")
    assert MARKER.encode() in wal(services).read_bytes()
