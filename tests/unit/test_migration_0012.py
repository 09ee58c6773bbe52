"""Revision 0012: session records lose their clear source and expiry; the throttle table changes."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from securedrop import db


def _before_0012(database_url: str) -> str:
    """The revision 0012 follows (re-chained as other revisions merge)."""
    script = ScriptDirectory.from_config(db.alembic_config(database_url)).get_revision("0012")
    assert script is not None and isinstance(script.down_revision, str)
    return script.down_revision


def _columns(database_url: str, table: str) -> set[str]:
    engine = db.make_engine(database_url)
    try:
        return {column["name"] for column in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def test_upgrade_drops_clear_session_identity_and_downgrade_restores_the_schema(database_url: str) -> None:
    before = _before_0012(database_url)
    db.downgrade(database_url, before)
    engine = db.make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO web_sessions (id_hash, app, expires_at, source_id, sealed)"
            " VALUES ('h', 'source', CURRENT_TIMESTAMP, NULL, :sealed)"
        ), {"sealed": b"\0"})
    engine.dispose()
    db.upgrade(database_url, "0012")
    assert _columns(database_url, "web_sessions") == {"id_hash", "app", "purge_after", "journalist_id", "sealed"}
    assert _columns(database_url, "login_throttles") == {"subject", "recent", "updated_at"}
    engine = db.make_engine(database_url)
    with engine.connect() as conn:
        # The old record named its source in the clear; it cannot be resealed, so it is gone.
        assert conn.execute(text("SELECT count(*) FROM web_sessions")).scalar_one() == 0
    engine.dispose()
    db.downgrade(database_url, before)
    assert {"source_id", "expires_at"} <= _columns(database_url, "web_sessions")
    assert "journalist_id" in _columns(database_url, "journalist_login_attempts")
    db.upgrade(database_url)
