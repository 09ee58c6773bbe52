"""Database engine, session factory and schema migrations (Alembic)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def make_engine(database_url: str) -> Engine:
    """An engine with SQLite hardened for this use (WAL, FKs, secure_delete)."""
    if database_url.startswith("sqlite"):
        engine = create_engine(
            database_url,
            connect_args={"check_same_thread": False, "timeout": 30},
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            # WAL lets the journalist app read while a source submits.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            # Deleted rows (a source's sealed key, designations) are zeroed on disk.
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(database_url, pool_pre_ping=True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Every session of the project comes from here, so every one of them keeps the API v2
    record versions current (web pages, APIs, worker and CLI alike)."""
    # Imported here: domain modules import this one.
    from securedrop.domain.versions import track

    factory = sessionmaker(bind=engine, expire_on_commit=False)
    track(factory)
    return factory


_UNDO_KEY = "securedrop.undo"
_THEN_KEY = "securedrop.after_commit"


def on_rollback(session: Session, undo: Callable[[], None]) -> None:
    """Register work to undo outside the database if this transaction rolls back.

    Domain functions write files before the request commits; if the commit never
    happens, those files must go too (no orphan files, invariant 5).
    """
    session.info.setdefault(_UNDO_KEY, []).append(undo)


def after_commit(session: Session, action: Callable[[], None]) -> None:
    """Register work outside the database that may only happen once the commit lands
    (e.g. moving a deleted source's files into the shredder)."""
    session.info.setdefault(_THEN_KEY, []).append(action)


def commit(session: Session) -> None:
    try:
        session.commit()
    except BaseException:
        rollback(session)
        raise
    session.info.pop(_UNDO_KEY, None)
    for action in session.info.pop(_THEN_KEY, []):
        action()


def rollback(session: Session) -> None:
    session.rollback()
    session.info.pop(_THEN_KEY, None)
    for undo in reversed(session.info.pop(_UNDO_KEY, [])):
        undo()


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: committed if the block succeeds, rolled back otherwise."""
    session = factory()
    try:
        yield session
        commit(session)
    except BaseException:
        rollback(session)
        raise
    finally:
        session.close()


def alembic_config(database_url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the schema up to `revision` (idempotent)."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)
