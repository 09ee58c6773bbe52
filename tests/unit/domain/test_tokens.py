"""API tokens: only a hash stored, bounded renewal, revocation with every credential change."""

from __future__ import annotations

import functools
import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, delete, func, inspect, select

from securedrop import db
from securedrop.crypto import otp, passwords
from securedrop.domain.journalists import revoke_credentials
from securedrop.domain.tokens import (
    MAX_RENEWALS,
    TOKEN_LIFETIME,
    InvalidToken,
    issue_token,
    journalist_for_token,
    revoke_all_tokens,
    revoke_token,
)
from securedrop.models import ApiToken, Journalist
from securedrop.services import Services

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@functools.cache
def _passphrase_hash() -> str:
    """argon2id costs ~100 ms and plays no part in these tests: hash once per run."""
    return passwords.hash_passphrase("x" * 20)


def _journalist(services: Services, username: str = "tokens") -> int:
    with db.unit_of_work(services.sessions) as session:
        row = Journalist(username=username, passphrase_hash=_passphrase_hash(),
                         otp_secret=otp.new_totp_secret())
        session.add(row)
        session.flush()
        return row.id


def _issue(services: Services, journalist_id: int, now: datetime = T0) -> str:
    with db.unit_of_work(services.sessions) as session:
        journalist = session.get(Journalist, journalist_id)
        assert journalist is not None
        return issue_token(session, journalist, now).token


def _check(services: Services, token: str, now: datetime) -> int:
    with db.unit_of_work(services.sessions) as session:
        return journalist_for_token(session, token, now).id


def test_only_the_hash_is_stored(services: Services) -> None:
    journalist_id = _journalist(services)
    token = _issue(services, journalist_id)
    assert len(token) == 43 and " " not in token
    with services.sessions() as session:
        record = session.scalars(select(ApiToken)).one()
    assert record.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {record.token_hash, str(record.id)}
    assert record.expires_at == T0 + TOKEN_LIFETIME and record.issued_at == T0
    assert _check(services, token, T0) == journalist_id
    with pytest.raises(InvalidToken):
        _check(services, token + "x", T0)


def test_renewal_is_bounded(services: Services) -> None:
    token = _issue(services, _journalist(services))
    expiry = T0 + TOKEN_LIFETIME
    _check(services, token, expiry - timedelta(minutes=31))  # more than 30 min left: unchanged
    for _ in range(MAX_RENEWALS):
        _check(services, token, expiry - timedelta(minutes=5))
        expiry += TOKEN_LIFETIME
    _check(services, token, expiry - timedelta(minutes=5))  # the sixth time: no extension
    with services.sessions() as session:
        record = session.scalars(select(ApiToken)).one()
    assert record.renewals == MAX_RENEWALS and record.expires_at == expiry
    with pytest.raises(InvalidToken):
        _check(services, token, expiry)


def test_revocations(services: Services) -> None:
    alice, bob = _journalist(services, "alice"), _journalist(services, "bob")
    one, two, bobs = _issue(services, alice), _issue(services, alice), _issue(services, bob)
    with db.unit_of_work(services.sessions) as session:
        revoke_token(session, one)
    with pytest.raises(InvalidToken):
        _check(services, one, T0)
    assert _check(services, two, T0) == alice
    with db.unit_of_work(services.sessions) as session:
        revoke_credentials(session, alice)  # what password change, 2FA reset and deletion call
    with pytest.raises(InvalidToken):
        _check(services, two, T0)
    assert _check(services, bobs, T0) == bob
    with db.unit_of_work(services.sessions) as session:
        revoke_all_tokens(session, bob)
    with pytest.raises(InvalidToken):
        _check(services, bobs, T0)


def test_tokens_go_with_the_journalist_row(services: Services) -> None:
    journalist_id = _journalist(services)
    _issue(services, journalist_id)
    with db.unit_of_work(services.sessions) as session:
        session.execute(delete(Journalist).where(Journalist.id == journalist_id))  # ON DELETE CASCADE
    with services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_issuing_purges_expired_tokens(services: Services) -> None:
    journalist_id = _journalist(services)
    _issue(services, journalist_id)
    _issue(services, journalist_id, T0 + timedelta(hours=3))
    with services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ApiToken)) == 1


def _token_schema(engine: Engine) -> dict[str, object]:
    found = inspect(engine)
    return {
        "columns": sorted((c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns("api_tokens")),
        "indexes": sorted((i["name"], tuple(i["column_names"])) for i in found.get_indexes("api_tokens")),
        "unique": sorted(tuple(u["column_names"]) for u in found.get_unique_constraints("api_tokens")),
        "foreign_keys": sorted(
            (tuple(f["constrained_columns"]), f["referred_table"], f["options"].get("ondelete"))
            for f in found.get_foreign_keys("api_tokens")
        ),
    }


def test_migration_round_trip(database_url: str) -> None:
    """Downgrading past 0003 drops the token table and every token in it; upgrading
    brings back the same table, where the old token stays dead and new ones work."""
    engine = db.make_engine(database_url)
    sessions = db.make_session_factory(engine)
    try:
        with db.unit_of_work(sessions) as session:
            journalist = Journalist(username="roundtrip", passphrase_hash=_passphrase_hash(),
                                    otp_secret=otp.new_totp_secret())
            session.add(journalist)
            session.flush()
            old_token = issue_token(session, journalist, T0).token
        schema = _token_schema(engine)
        assert schema["columns"] and schema["foreign_keys"]

        db.downgrade(database_url, "0002")
        engine.dispose()  # no pooled connection may keep an old view of the schema
        tables = inspect(engine).get_table_names()
        assert "api_tokens" not in tables and "journalists" in tables

        db.upgrade(database_url)
        engine.dispose()
        assert _token_schema(engine) == schema
        with db.unit_of_work(sessions) as session:
            journalist = session.scalars(select(Journalist).where(Journalist.username == "roundtrip")).one()
            with pytest.raises(InvalidToken):
                journalist_for_token(session, old_token, T0)
            new_token = issue_token(session, journalist, T0).token
        with db.unit_of_work(sessions) as session:
            assert journalist_for_token(session, new_token, T0).username == "roundtrip"
    finally:
        engine.dispose()
