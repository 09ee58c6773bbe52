"""Schema migrations keep the newsroom's rows: upgrades and downgrades with data in place."""

from __future__ import annotations

from sqlalchemy import inspect, text

from securedrop import db


def _counts(database_url: str) -> tuple[int, int, int]:
    engine = db.make_engine(database_url)
    try:
        with engine.connect() as conn:
            return (
                int(conn.execute(text("SELECT count(*) FROM sources")).scalar_one()),
                int(conn.execute(text("SELECT count(*) FROM submissions")).scalar_one()),
                int(conn.execute(text("SELECT count(*) FROM web_sessions")).scalar_one()),
            )
    finally:
        engine.dispose()


def _source_columns(database_url: str) -> set[str]:
    engine = db.make_engine(database_url)
    try:
        return {column["name"] for column in inspect(engine).get_columns("sources")}
    finally:
        engine.dispose()


def test_dropping_deleted_at_keeps_sources_and_what_hangs_off_them(database_url: str) -> None:
    db.downgrade(database_url, "0004")
    assert "deleted_at" in _source_columns(database_url)
    engine = db.make_engine(database_url)  # foreign keys on, as the app runs
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO sources (id, uuid, filesystem_id, journalist_designation, last_updated, pending,"
            " is_starred, interaction_count, public_key, fingerprint, sealed_secret_key)"
            " VALUES (1, 'u1', 'FSID', 'brave otter', CURRENT_TIMESTAMP, FALSE, FALSE, 1, 'key', :fpr, :sealed)"
        ), {"fpr": "A" * 40, "sealed": b"\0"})
        conn.execute(text(
            "INSERT INTO submissions (id, uuid, source_id, filename, size, checksum)"
            " VALUES (1, 's1', 1, '1-brave_otter-msg.gpg', 10, 'sha256:0')"
        ))
        conn.execute(text(
            "INSERT INTO web_sessions (id_hash, app, expires_at, source_id, sealed)"
            " VALUES ('h', 'source', CURRENT_TIMESTAMP, 1, :sealed)"
        ), {"sealed": b"\0"})
    engine.dispose()

    # To 0005 only: later revisions may rework web_sessions (0012 recreates it empty).
    db.upgrade(database_url, "0005")
    assert "deleted_at" not in _source_columns(database_url)
    assert _counts(database_url) == (1, 1, 1)

    db.downgrade(database_url, "0004")
    assert "deleted_at" in _source_columns(database_url)
    assert _counts(database_url) == (1, 1, 1)
    db.upgrade(database_url)


def test_models_match_the_migrated_schema(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from securedrop.models import Base  # the package imports every model

    engine = db.make_engine(database_url)
    try:
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        engine.dispose()
