"""Steps of the journalist journey through the Flask test client, shared by functional tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from securedrop.crypto import otp
from securedrop.models import Source
from securedrop.models.journalists import Journalist
from securedrop.services import Services
from tests.conftest import csrf_token

PASSPHRASE = "correct horse battery staple profanity oil chewy"


class Clock:
    """The journalist app's clock in tests: each login moves it to a fresh TOTP step."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    passphrase: str
    otp_secret: str
    is_totp: bool = True

    def code(self, at: datetime, counter: int = 0) -> str:
        # Through securedrop.crypto.otp only to allow 80-bit legacy secrets; pyotp computes.
        if self.is_totp:
            return otp.totp(self.otp_secret).at(at)
        return otp.hotp(self.otp_secret).at(counter)


def login(client: FlaskClient, account: Account, clock: Clock, code: str | None = None,
          passphrase: str | None = None, advance: bool = True) -> TestResponse:
    """POST /login with a code for the next TOTP step (unless `code` is given)."""
    if advance:
        clock.advance(30)
    token = csrf_token(client, "/login")
    return client.post("/login", data={
        "csrf_token": token,
        "username": account.username,
        "password": account.passphrase if passphrase is None else passphrase,
        "token": account.code(clock.now) if code is None else code,
    })


def logged_in(client: FlaskClient, account: Account, clock: Clock) -> FlaskClient:
    response = login(client, account, clock)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == "/"
    return client


def post(client: FlaskClient, path: str, data: dict[str, object] | None = None, page: str = "/",
         **kwargs: object) -> TestResponse:
    """POST with the CSRF token taken from `page`, as a browser would."""
    token = csrf_token(client, page)
    return client.post(path, data={"csrf_token": token, **(data or {})}, **kwargs)


def source_row(services: Services, filesystem_id: str) -> Source | None:
    with services.sessions() as session:
        return session.scalar(select(Source).where(Source.filesystem_id == filesystem_id))


def stored_journalist(services: Services, account: Account) -> Journalist:
    """The account's row as the database holds it now."""
    with services.sessions() as session:
        found = session.get(Journalist, account.id)
        assert found is not None
        return found

