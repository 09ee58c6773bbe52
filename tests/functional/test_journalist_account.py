"""Every journalist's account page: names, a new passphrase, and new TOTP or HOTP secrets."""

from __future__ import annotations

import re

import pyotp
import pytest
from flask.testing import FlaskClient

from securedrop.crypto import otp
from securedrop.models import WebSession
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

_OFFERED = re.compile(r'name="password" value="([^"]+)"')
_SECRET = re.compile(r'id="otp-secret" translate="no">([^<]+)<')


@pytest.fixture
def client(journalist_client: FlaskClient, journalist: Account, clock: Clock) -> FlaskClient:
    return logged_in(journalist_client, journalist, clock)


def offered(client: FlaskClient) -> str:
    match = _OFFERED.search(client.get("/account/account").get_data(as_text=True))
    assert match
    return match.group(1)


def test_account_page_offers_a_diceware_passphrase(client: FlaskClient) -> None:
    passphrase = offered(client)
    assert len(passphrase.split()) == 7 and 14 <= len(passphrase) <= 128
    assert offered(client) != passphrase


def test_change_name(client: FlaskClient, journalist: Account, services: Services) -> None:
    response = post(client, "/account/change-name", {"first_name": "Daniel", "last_name": "E"},
                    page="/account/account")
    assert response.status_code == 302
    renamed = stored_journalist(services, journalist)
    assert (renamed.first_name, renamed.last_name) == ("Daniel", "E")
    too_long = post(client, "/account/change-name", {"first_name": "x" * 101}, page="/account/account")
    assert too_long.status_code == 302
    assert "Names can be at most 100 characters long." in client.get("/account/account").get_data(as_text=True)
    assert stored_journalist(services, journalist).first_name == "Daniel"


def test_new_passphrase_needs_current_passphrase_and_code(
    client: FlaskClient, journalist: Account, clock: Clock, services: Services
) -> None:
    before = stored_journalist(services, journalist).passphrase_hash
    new = offered(client)
    clock.advance(30)
    response = post(client, "/account/new-password",
                    {"current_password": "wrong " * 7, "token": journalist.code(clock.now), "password": new},
                    page="/account/account")
    assert response.status_code == 403
    assert "Incorrect passphrase or two-factor code." in response.get_data(as_text=True)
    response = post(client, "/account/new-password",
                    {"current_password": journalist.passphrase, "token": "000000", "password": new},
                    page="/account/account")
    assert response.status_code == 403
    assert stored_journalist(services, journalist).passphrase_hash == before


def test_new_passphrase_must_be_the_offered_one(
    client: FlaskClient, journalist: Account, clock: Clock, services: Services
) -> None:
    before = stored_journalist(services, journalist).passphrase_hash
    offered(client)
    clock.advance(30)
    response = post(client, "/account/new-password",
                    {"current_password": journalist.passphrase, "token": journalist.code(clock.now),
                     "password": "my own chosen passphrase of seven words"}, page="/account/account")
    assert response.status_code == 400
    assert "not the one offered" in response.get_data(as_text=True)
    assert stored_journalist(services, journalist).passphrase_hash == before


def test_new_passphrase_ends_every_session(
    client: FlaskClient, journalist: Account, clock: Clock, services: Services, journalist_app
) -> None:
    other = logged_in(journalist_app.test_client(), journalist, clock)
    new = offered(client)
    clock.advance(30)
    response = client.post("/account/new-password", data={
        "csrf_token": csrf_token(client, "/"),
        "current_password": journalist.passphrase, "token": journalist.code(clock.now), "password": new})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and new in html
    assert count_rows(services, WebSession) == 0
    for browser in (client, other):
        assert browser.get("/").status_code == 302
    assert login(client, journalist, clock).status_code == 401
    renamed = Account(journalist.id, journalist.username, new, journalist.otp_secret)
    logged_in(client, renamed, clock)


def test_totp_reset_stays_pending_until_verified(
    client: FlaskClient, journalist: Account, clock: Clock, services: Services
) -> None:
    response = post(client, "/account/reset-2fa-totp", page="/account/account")
    assert response.headers["Location"] == "/account/verify-2fa-totp"
    page = client.get("/account/verify-2fa-totp").get_data(as_text=True)
    assert "<svg" in page and "data:" not in page
    secret = _SECRET.search(page).group(1).replace(" ", "")
    assert len(secret) == 32
    assert stored_journalist(services, journalist).otp_secret == journalist.otp_secret
    wrong = post(client, "/account/verify-2fa-totp", {"token": "000000"}, page="/account/verify-2fa-totp")
    assert wrong.status_code == 400
    assert "There was a problem verifying the two-factor code." in wrong.get_data(as_text=True)
    assert stored_journalist(services, journalist).otp_secret == journalist.otp_secret
    done = post(client, "/account/verify-2fa-totp", {"token": pyotp.TOTP(secret).at(clock.now)},
                page="/account/verify-2fa-totp")
    assert done.status_code == 200 and "Log in again" in done.get_data(as_text=True)
    assert stored_journalist(services, journalist).otp_secret == secret
    assert client.get("/").status_code == 302  # every session ended
    fresh = Account(journalist.id, journalist.username, journalist.passphrase, secret)
    logged_in(client, fresh, clock)


def test_verify_without_pending_secret(client: FlaskClient) -> None:
    response = client.get("/account/verify-2fa-totp")
    assert response.status_code == 302 and response.headers["Location"] == "/account/account"


@pytest.mark.parametrize("secret", ["abc", "zz" * 20, "ab" * 19, "ab" * 21])
def test_bad_hotp_secret_is_refused(client: FlaskClient, journalist: Account, services: Services,
                                    secret: str) -> None:
    response = post(client, "/account/reset-2fa-hotp", {"otp_secret": secret}, page="/account/reset-2fa-hotp")
    assert response.status_code == 400
    assert "The HOTP secret must be 40 hexadecimal characters" in response.get_data(as_text=True)
    assert stored_journalist(services, journalist).is_totp


def test_switch_to_hotp(client: FlaskClient, journalist: Account, clock: Clock, services: Services) -> None:
    hexsecret = "3d 4a " + "12" * 18
    response = post(client, "/account/reset-2fa-hotp", {"otp_secret": hexsecret}, page="/account/reset-2fa-hotp")
    assert response.headers["Location"] == "/account/verify-2fa-totp"
    base32 = otp.hotp_secret_from_hex(hexsecret)
    done = post(client, "/account/verify-2fa-totp", {"token": pyotp.HOTP(base32).at(3)},
                page="/account/verify-2fa-totp")
    assert done.status_code == 200
    row = stored_journalist(services, journalist)
    assert (row.is_totp, row.otp_secret, row.hotp_counter) == (False, base32, 4)
