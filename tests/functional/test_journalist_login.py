"""Journalist login, 2FA replay protection, throttling and sessions, through the Flask test client."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

import pyotp
import pytest
from argon2 import PasswordHasher
from flask.testing import FlaskClient

from securedrop import db
from securedrop.crypto import otp
from securedrop.domain import authentication as auth
from securedrop.models import WebSession
from securedrop.models.journalists import Journalist
from securedrop.services import Services
from tests.conftest import csrf_token
from tests.functional.api_world import count_rows
from tests.functional.journalist_journey import (
    Account,
    Clock,
    logged_in,
    login,
    post,
    stored_journalist,
)
from tests.functional.session_records import sealed_expiry, set_expiry

NEW_CODE_HINT = "Please wait for a new code from your two-factor mobile app or security key"


def test_login_page_and_unauthenticated_redirect(journalist_client: FlaskClient) -> None:
    page = journalist_client.get("/login")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'name="username"' in html and 'name="password"' in html and 'name="token"' in html
    assert "<script>" not in html  # no inline script: the CSP forbids it
    for path in ("/", "/account/account", "/admin/", "/col/ABC"):
        response = journalist_client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_login_succeeds_with_a_new_session_id(
    journalist_client: FlaskClient, journalist: Account, clock: Clock, services: Services
) -> None:
    journalist_client.get("/login")
    before = journalist_client.get_cookie("sd_journalist")
    logged_in(journalist_client, journalist, clock)
    after = journalist_client.get_cookie("sd_journalist")
    assert after is not None and (before is None or before.value != after.value)
    page = journalist_client.get("/")
    assert page.status_code == 200 and "dellsberg" in page.get_data(as_text=True)
    stored = stored_journalist(services, journalist)
    assert stored.last_login is not None
    assert stored.last_totp_step == otp.totp_step(clock.now.timestamp())


def test_login_accepts_codes_one_step_either_side(
    journalist_client: FlaskClient, journalist: Account, clock: Clock
) -> None:
    earlier = pyotp.TOTP(journalist.otp_secret).at(clock.now.timestamp() - 30)
    assert login(journalist_client, journalist, clock, code=earlier, advance=False).status_code == 302


def test_login_refuses_code_two_steps_away(journalist_client: FlaskClient, journalist: Account, clock: Clock,
                                           services: Services) -> None:
    old = pyotp.TOTP(journalist.otp_secret).at(clock.now.timestamp() - 61)
    response = login(journalist_client, journalist, clock, code=old, advance=False)
    assert response.status_code == 401
    assert stored_journalist(services, journalist).last_totp_step == 0


@pytest.mark.parametrize("code", ["000000", "12345", "abcdef", "", "1234567"])
def test_wrong_code_fails_with_generic_message(
    journalist_client: FlaskClient, journalist: Account, clock: Clock, services: Services, code: str
) -> None:
    if code == "000000" and journalist.code(clock.now) == code:
        pytest.skip("the random secret produced 000000")
    response = login(journalist_client, journalist, clock, code=code, advance=False)
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "Login failed." in html and NEW_CODE_HINT in html
    assert stored_journalist(services, journalist).last_login is None
    assert journalist_client.get("/").status_code == 302


def test_code_is_accepted_once(journalist_client: FlaskClient, journalist: Account, clock: Clock,
                               journalist_app) -> None:
    code = journalist.code(clock.now)
    assert login(journalist_client, journalist, clock, code=code, advance=False).status_code == 302
    other = journalist_app.test_client()
    replay = login(other, journalist, clock, code=code, advance=False)
    assert replay.status_code == 401 and "Login failed." in replay.get_data(as_text=True)


def test_older_code_is_refused_once_a_later_step_was_used(
    journalist_client: FlaskClient, journalist: Account, clock: Clock, journalist_app
) -> None:
    totp = pyotp.TOTP(journalist.otp_secret)
    later = totp.at(clock.now.timestamp() + 30)
    earlier = totp.at(clock.now.timestamp() - 30)
    assert login(journalist_client, journalist, clock, code=later, advance=False).status_code == 302
    # Still inside the ±1 window, but older than the step consumed: a replay.
    assert login(journalist_app.test_client(), journalist, clock, code=earlier, advance=False).status_code == 401


def test_wrong_passphrase_burns_the_code(
    journalist_client: FlaskClient, journalist: Account, clock: Clock, services: Services
) -> None:
    code = journalist.code(clock.now)
    failed = login(journalist_client, journalist, clock, code=code, passphrase="wrong " * 7, advance=False)
    assert failed.status_code == 401 and "Login failed." in failed.get_data(as_text=True)
    assert stored_journalist(services, journalist).last_totp_step == otp.totp_step(clock.now.timestamp())
    assert login(journalist_client, journalist, clock, code=code, advance=False).status_code == 401


def test_overlong_passphrase_is_refused(journalist_client: FlaskClient, journalist: Account, clock: Clock) -> None:
    response = login(journalist_client, journalist, clock, passphrase="a" * 129, advance=False)
    assert response.status_code == 401


def test_unknown_and_placeholder_users_fail_alike(
    journalist_client: FlaskClient, clock: Clock, services: Services
) -> None:
    ghost = Account(0, "nobody-here", "x " * 7, otp.new_totp_secret())
    response = login(journalist_client, ghost, clock)
    assert response.status_code == 401 and "Login failed." in response.get_data(as_text=True)
    placeholder = Account(0, auth.DELETED_USERNAME, "x " * 7, otp.new_totp_secret())
    assert login(journalist_client, placeholder, clock).status_code == 401


def test_sixth_attempt_in_a_minute_is_throttled_even_with_right_credentials(
    journalist_client: FlaskClient, journalist: Account, clock: Clock, services: Services
) -> None:
    for _ in range(5):
        assert login(journalist_client, journalist, clock, code="000001", advance=False).status_code == 401
    response = login(journalist_client, journalist, clock, advance=False)
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "Login failed." in html and "Please wait at least 60 seconds" in html
    stored = stored_journalist(services, journalist)
    assert stored.last_login is None and stored.last_totp_step == 0  # the code was not consumed
    clock.advance(61)
    assert login(journalist_client, journalist, clock, advance=False).status_code == 302


def test_hotp_login_with_look_ahead(
    journalist_client: FlaskClient, make_account: Callable[..., Account], clock: Clock, services: Services,
    journalist_app,
) -> None:
    secret = otp.hotp_secret_from_hex("c4" * 20)
    key = make_account("yubi", otp_secret=secret, is_totp=False)
    hotp = pyotp.HOTP(secret)
    assert login(journalist_client, key, clock, code=hotp.at(25)).status_code == 401  # beyond look-ahead
    assert login(journalist_client, key, clock, code=hotp.at(19)).status_code == 302
    assert stored_journalist(services, key).hotp_counter == 20
    other = journalist_app.test_client()
    assert login(other, key, clock, code=hotp.at(19)).status_code == 401  # used
    assert login(other, key, clock, code=hotp.at(20)).status_code == 302


def test_legacy_80_bit_secret_still_verifies(
    journalist_client: FlaskClient, make_account: Callable[..., Account], clock: Clock
) -> None:
    legacy = make_account("legacy", otp_secret="JHCOGO7VCER3EJ4L")
    logged_in(journalist_client, legacy, clock)


def test_logs_never_contain_codes_or_passphrases(
    journalist_client: FlaskClient, journalist: Account, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    code = journalist.code(clock.now)
    login(journalist_client, journalist, clock, code=code, passphrase="wrong " * 7, advance=False)
    clock.advance(30)
    good_code = journalist.code(clock.now)
    login(journalist_client, journalist, clock, code=good_code, advance=False)
    text = caplog.text
    assert "dellsberg" in text
    for secret in (code, good_code, journalist.passphrase, "wrong wrong", journalist.otp_secret):
        assert secret not in text


def test_passphrase_is_rehashed_when_parameters_change(
    journalist_client: FlaskClient, journalist: Account, clock: Clock, services: Services
) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(journalist.passphrase)
    with db.unit_of_work(services.sessions) as session:
        found = session.get(Journalist, journalist.id)
        assert found is not None
        found.passphrase_hash = weak
    logged_in(journalist_client, journalist, clock)
    assert "m=65536,t=4,p=2" in stored_journalist(services, journalist).passphrase_hash


def test_logout_is_post_only_and_ends_the_session(
    journalist_client: FlaskClient, journalist: Account, clock: Clock, services: Services
) -> None:
    logged_in(journalist_client, journalist, clock)
    assert journalist_client.get("/logout").status_code == 405
    assert count_rows(services, WebSession) == 1
    response = post(journalist_client, "/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert count_rows(services, WebSession) == 0
    assert journalist_client.get("/").status_code == 302


def test_missing_csrf_token_destroys_the_session(
    journalist_client: FlaskClient, journalist: Account, clock: Clock, services: Services
) -> None:
    logged_in(journalist_client, journalist, clock)
    response = journalist_client.post("/account/change-name", data={"first_name": "Mallory"})
    assert response.status_code == 400
    assert "logged out due to inactivity or a problem with your session" in response.get_data(as_text=True)
    assert count_rows(services, WebSession) == 0
    assert stored_journalist(services, journalist).first_name is None
    assert journalist_client.get("/").status_code == 302


def test_expired_session_logs_out_with_a_notice(
    journalist_client: FlaskClient, journalist: Account, clock: Clock, services: Services
) -> None:
    logged_in(journalist_client, journalist, clock)
    set_expiry(services, journalist_client, "sd_journalist", datetime(2000, 1, 1, tzinfo=UTC))
    response = journalist_client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    page = journalist_client.get("/login").get_data(as_text=True)
    assert "You have been logged out due to inactivity." in page


def test_killed_sessions_stop_working_at_once(
    journalist_client: FlaskClient, journalist: Account, clock: Clock, services: Services, journalist_app
) -> None:
    second = journalist_app.test_client()
    logged_in(journalist_client, journalist, clock)
    logged_in(second, journalist, clock)
    assert second.get("/").status_code == 200
    from securedrop.domain.journalists import revoke_credentials

    with db.unit_of_work(services.sessions) as session:
        revoke_credentials(session, journalist.id)
    for client in (journalist_client, second):
        response = client.get("/")
        assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_login_page_redirects_when_logged_in(
    journalist_client: FlaskClient, journalist: Account, clock: Clock
) -> None:
    logged_in(journalist_client, journalist, clock)
    assert journalist_client.get("/login").headers["Location"] == "/"


def test_robots_and_headers(journalist_client: FlaskClient) -> None:
    response = journalist_client.get("/robots.txt")
    assert response.get_data(as_text=True) == "User-agent: *\nDisallow: /\n"
    page = journalist_client.get("/login")
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Cache-Control"] == "no-store"
    assert csrf_token(journalist_client, "/login")


def test_sessions_in_use_are_renewed_a_bounded_number_of_times(
    journalist_client: FlaskClient, journalist: Account, clock: Clock, services: Services
) -> None:
    from datetime import timedelta

    from securedrop.models.base import utcnow

    logged_in(journalist_client, journalist, clock)

    def expiry() -> datetime:
        return sealed_expiry(services, journalist_client, "sd_journalist")

    def near_the_end() -> None:
        set_expiry(services, journalist_client, "sd_journalist", utcnow() + timedelta(minutes=10))

    # Plenty of time left: no renewal.
    before = expiry()
    assert journalist_client.get("/").status_code == 200
    assert expiry() == before
    # Under 30 minutes left: a stylesheet renews nothing (static files never touch
    # the session) ...
    near_the_end()
    static = journalist_client.get("/static/journalist.css")
    assert static.status_code == 200 and "Set-Cookie" not in static.headers
    assert expiry() < utcnow() + timedelta(minutes=11)
    # ... but each page does: extended by 2 hours, 5 times at most.
    for _ in range(5):
        near_the_end()
        assert journalist_client.get("/").status_code == 200
        assert expiry() > utcnow() + timedelta(hours=2)
    near_the_end()
    assert journalist_client.get("/").status_code == 200
    assert expiry() < utcnow() + timedelta(minutes=11)
