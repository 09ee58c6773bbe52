"""Functional fixtures: the journalist app, a test clock, seeded accounts, a live source server, a browser."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from selenium.webdriver.chrome.webdriver import WebDriver

from securedrop import db
from securedrop.config import Settings
from securedrop.crypto import otp, passwords
from securedrop.models.journalists import Journalist
from securedrop.services import Services
from securedrop.web.state import set_clock
from tests.conftest import SubmissionKey
from tests.functional.browser import chromium
from tests.functional.journalist_journey import PASSPHRASE, Account, Clock
from tests.functional.live_server import LiveServer, prepare_data_dir


@pytest.fixture(scope="session")
def passphrase_hash() -> str:
    """argon2id costs ~100 ms: hash the shared test passphrase once per run."""
    return passwords.hash_passphrase(PASSPHRASE)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def journalist_app(settings: Settings, services: Services, clock: Clock) -> Flask:
    from securedrop.journalist_app import create_app

    app = create_app(settings, services)
    app.config["TESTING"] = True
    set_clock(app, clock)
    return app


@pytest.fixture
def journalist_client(journalist_app: Flask) -> FlaskClient:
    return journalist_app.test_client()


@pytest.fixture
def make_account(services: Services, passphrase_hash: str) -> Callable[..., Account]:
    """Insert an account with the shared passphrase and a fresh TOTP (or given) secret."""

    def make(username: str, is_admin: bool = False, otp_secret: str | None = None, is_totp: bool = True) -> Account:
        secret = otp_secret or otp.new_totp_secret()
        with db.unit_of_work(services.sessions) as session:
            row = Journalist(username=username, passphrase_hash=passphrase_hash, is_admin=is_admin,
                             otp_secret=secret, is_totp=is_totp)
            session.add(row)
            session.flush()
            account_id = row.id
        return Account(account_id, username, PASSPHRASE, secret, is_totp)

    return make


@pytest.fixture
def journalist(make_account: Callable[..., Account]) -> Account:
    return make_account("dellsberg")


@pytest.fixture
def admin(make_account: Callable[..., Account]) -> Account:
    return make_account("admin", is_admin=True)


@pytest.fixture
def live_source(tmp_path: Path, submission_key: SubmissionKey) -> Iterator[LiveServer]:
    """gunicorn serving the source interface from a fresh data dir (its `env` names the dir)."""
    env = prepare_data_dir(tmp_path / "data", submission_key.public)
    with LiveServer("source_app", env) as server:
        yield server


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    """Headless Chromium with JavaScript off, as Tor Browser's Safest level runs the source interface."""
    with chromium(tmp_path / "chromium-profile", javascript=False) as driver:
        yield driver
