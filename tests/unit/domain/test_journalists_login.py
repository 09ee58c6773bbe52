"""Login rules in the domain layer, without an app: concurrent consumption and the placeholder."""

from __future__ import annotations

from datetime import UTC, datetime

import pyotp
import pytest
from sqlalchemy import select

from securedrop import db
from securedrop.crypto import otp
from securedrop.domain import authentication as auth
from securedrop.domain import journalists as accounts
from securedrop.models.journalists import Journalist
from securedrop.services import Services
from tests.functional.journalist_journey import PASSPHRASE


@pytest.fixture
def account(services: Services) -> tuple[int, str]:
    secret = otp.new_totp_secret()
    with db.unit_of_work(services.sessions) as session:
        journalist = accounts.create_journalist(
            session, accounts.NewAccount("tester", PASSPHRASE, PASSPHRASE, accounts.TwoFactor(secret, True))
        )
        session.flush()
        return journalist.id, secret


def test_two_concurrent_logins_cannot_share_a_code(services: Services, account: tuple[int, str]) -> None:
    journalist_id, secret = account
    now = datetime.now(UTC)
    code = pyotp.TOTP(secret).at(now)
    first, second = services.sessions(), services.sessions()
    try:
        # Both read the account before either consumes the code.
        one = first.get(Journalist, journalist_id)
        two = second.get(Journalist, journalist_id)
        assert one is not None and two is not None
        auth.consume_code(first, one, code, now)
        db.commit(first)
        with pytest.raises(auth.LoginFailed):
            auth.consume_code(second, two, code, now)
    finally:
        first.close()
        second.close()


def test_placeholder_cannot_log_in_edit_or_be_deleted(services: Services, account: tuple[int, str]) -> None:
    with db.unit_of_work(services.sessions) as session:
        placeholder = accounts.deleted_user(session)
        assert accounts.deleted_user(session).id == placeholder.id
        assert auth.find_journalist(session, auth.DELETED_USERNAME) is None
        with pytest.raises(accounts.ProtectedAccount):
            accounts.delete_journalist(session, placeholder, acting=None)
        with pytest.raises(accounts.ProtectedAccount):
            accounts.update_account(session, placeholder, accounts.AccountEdit("renamed", None, None, True))
        assert [j.username for j in accounts.list_journalists(session)] == ["tester"]


def test_passphrase_bounds(services: Services) -> None:
    with db.unit_of_work(services.sessions) as session:
        for bad in ("short words only", "x" * 129 + " a b c d e f"):
            with pytest.raises(accounts.InvalidPassphrase):
                account = accounts.NewAccount("someone", bad, bad, accounts.TwoFactor.new_totp())
                accounts.create_journalist(session, account)
        assert session.scalar(select(Journalist).where(Journalist.username == "someone")) is None
