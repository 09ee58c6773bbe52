"""Database engine, session factory and schema migrations (Alembic)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: How long a post-deletion checkpoint waits for readers before leaving the WAL to the
#: worker's next round; a request should not hang on it.
CHECKPOINT_BUSY_MS = 2000
#: The connection's normal lock wait (sqlite3's `timeout`, in ms).
_BUSY_MS = 30_000

log = logging.getLogger(__name__)


def make_engine(database_url: str) -> Engine:
    """An engine with SQLite hardened for this use (WAL, FKs, secure_delete)."""
    if database_url.startswith("sqlite"):
        engine = create_engine(
            database_url,
            connect_args={"check_same_thread": False, "timeout": _BUSY_MS / 1000},
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
            # WAL frames keep old page images (a deleted source's rows among them) until
            # they are overwritten; 0 cuts the file back to its live frames whenever the
            # log restarts, so no stale tail outlives a checkpoint.
            cursor.execute("PRAGMA journal_size_limit=0")
            cursor.close()

        return engine
    return create_engine(database_url, pool_pre_ping=True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Every session of the project comes from here, so every one of them keeps the API v2
    record versions current (web pages, APIs, worker and CLI alike) and, on SQLite, wipes
    committed deletions from the write-ahead log."""
    # Imported here: domain modules import this one.
    from securedrop.domain.versions import track

    factory = sessionmaker(bind=engine, expire_on_commit=False)
    track(factory)
    if engine.dialect.name == "sqlite":
        _wipe_wal_after_deletions(factory)
    return factory


_DELETED_KEY = "securedrop.deleted_rows"


def _wipe_wal_after_deletions(factory: sessionmaker[Session]) -> None:
    """Checkpoint and truncate the WAL after any transaction that deleted rows.

    With secure_delete the database file is zeroed where rows were, but the WAL still
    holds the frames that wrote them (a deleted source's filesystem_id, designation and
    key) until a checkpoint truncates it. Hooked on the session factory so that no
    deletion path can forget it; transactions that delete nothing pay nothing.
    """

    @event.listens_for(factory, "after_flush")
    def _flushed(session: Session, _flush: UOWTransaction) -> None:
        if session.deleted:
            session.info[_DELETED_KEY] = True

    @event.listens_for(factory, "do_orm_execute")
    def _executed(state: ORMExecuteState) -> None:
        if state.is_delete:  # bulk `delete(Model).where(...)`
            state.session.info[_DELETED_KEY] = True

    @event.listens_for(factory, "after_commit")
    def _committed(session: Session) -> None:
        if session.info.pop(_DELETED_KEY, False):
            bind = session.get_bind()
            wipe_wal(bind if isinstance(bind, Engine) else bind.engine)

    @event.listens_for(factory, "after_soft_rollback")
    def _rolled_back(session: Session, _previous: Any) -> None:
        session.info.pop(_DELETED_KEY, None)


def wipe_wal(engine: Engine) -> bool:
    """Copy SQLite's WAL into the database and truncate it to zero bytes.

    Returns False when readers kept it from finishing (the worker tries again each
    round); on other databases there is nothing to do and it returns True.
    """
    if engine.dialect.name != "sqlite":
        return True
    with engine.connect() as connection:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={CHECKPOINT_BUSY_MS}")
        try:
            busy, _frames, _copied = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        finally:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={_BUSY_MS}")
    if busy:
        log.warning("the write-ahead log could not be truncated yet (readers active); retrying later")
    return not busy


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
