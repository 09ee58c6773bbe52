"""A deleted source leaves no trace in SQLite's files: database, write-ahead log and its index."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from securedrop.models import Source
from securedrop.services import Services
from tests.functional import source_journey
from tests.functional.journalist_journey import Account, Clock, logged_in, post


def sqlite_files(services: Services) -> list[Path]:
    database = Path(str(services.engine.url.database))
    return [database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")]


def files_holding(services: Services, needle: str) -> list[str]:
    """The names of the database files whose bytes contain `needle` (as SQLite stores text)."""
    return [path.name for path in sqlite_files(services) if path.exists() and needle.encode() in path.read_bytes()]


# SQLite only: PostgreSQL has no write-ahead log in the data dir.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_source_deleted_by_a_journalist_is_in_no_database_file(
    source_client: FlaskClient, journalist_client: FlaskClient, journalist: Account, clock: Clock,
    services: Services,
) -> None:
    # The source arrives through the source interface, as in production: its rows go
    # through the write-ahead log first.
    source_journey.create(source_client)
    assert source_journey.submit(source_client, message="what I saw").status_code == 302
    with services.sessions() as session:
        source = session.scalars(select(Source)).one()
        filesystem_id = source.filesystem_id
        designation, fingerprint = source.journalist_designation, source.fingerprint
    # The check can fail: before the deletion the values are on disk.
    assert files_holding(services, filesystem_id)

    client = logged_in(journalist_client, journalist, clock)
    assert post(client, f"/col/delete/{filesystem_id}", page=f"/col/{filesystem_id}").status_code == 302

    # The apps' connections are still open, as in a running server: the WAL is live.
    for value in (filesystem_id, designation, fingerprint):
        assert files_holding(services, value) == [], f"a deleted source's value survives on disk: {value[:8]}…"
