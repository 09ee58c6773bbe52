"""The mail notifications revision goes down and up again with the newsroom's rows in place."""

from __future__ import annotations

import importlib.util

from sqlalchemy import inspect, text

from securedrop import db

TABLES = {"mail_relay", "notification_recipients", "outgoing_mail", "alert_states", "failed_logins"}


def _revision_below() -> str:
    """The revision this one builds on (read from the file: the chain is re-linked at merge)."""
    path = next((db.MIGRATIONS_DIR / "versions").glob("0009_*.py"))
    spec = importlib.util.spec_from_file_location("revision_0009", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.down_revision)


def _tables(database_url: str) -> set[str]:
    engine = db.make_engine(database_url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_downgrade_drops_only_the_mail_tables_and_upgrade_brings_them_back(database_url: str) -> None:
    engine = db.make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO journalists (id, uuid, username, passphrase_hash, is_admin, otp_secret, is_totp,"
            " hotp_counter, last_totp_step, created_on) VALUES (1, 'u1', 'dana', 'h', TRUE, 's', TRUE, 0, 0,"
            " CURRENT_TIMESTAMP)"
        ))
        conn.execute(text(
            "INSERT INTO notification_recipients (journalist_id, email, daily_digest, locale)"
            " VALUES (1, 'dana@newsroom.test', TRUE, 'en_US')"
        ))
    engine.dispose()
    assert TABLES <= _tables(database_url)

    db.downgrade(database_url, _revision_below())
    assert not TABLES & _tables(database_url)
    engine = db.make_engine(database_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT username FROM journalists")).scalar_one() == "dana"
    engine.dispose()

    db.upgrade(database_url)
    assert TABLES <= _tables(database_url)
