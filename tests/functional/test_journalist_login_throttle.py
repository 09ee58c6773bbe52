"""Issue 13 item 6: usernames cannot be told apart, and nobody can keep a journalist out."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from securedrop.crypto import otp
from securedrop.web.throttling import DEVICE_COOKIE
from tests.functional.journalist_journey import Account, Clock, logged_in, login, post

THROTTLED = "Please wait at least 60 seconds"


def _page_text(html: str) -> str:
    """The page as a person reads it, without the per-request CSRF token and the username echo."""
    html = re.sub(r'name="csrf_token" value="[^"]+"', "", html)
    return re.sub(r'name="username"[^>]*>', "", html)


def test_unknown_and_known_usernames_answer_and_throttle_alike(
    journalist_app: Flask, journalist: Account, clock: Clock
) -> None:
    ghost = Account(0, "no-such-journalist", journalist.passphrase, otp.new_totp_secret())
    answers: dict[str, list[tuple[int, str]]] = {}
    for account in (journalist, ghost):
        client = journalist_app.test_client()
        answers[account.username] = []
        for _ in range(6):
            response = login(client, account, clock, code="000001", advance=False)
            answers[account.username].append((response.status_code, _page_text(response.get_data(as_text=True))))
    known, unknown = answers[journalist.username], answers[ghost.username]
    assert [status for status, _ in known] == [status for status, _ in unknown] == [401] * 6
    assert [page for _, page in known] == [page for _, page in unknown]
    assert THROTTLED not in unknown[4][1] and THROTTLED in unknown[5][1]


def test_a_flood_on_a_username_does_not_keep_out_a_browser_that_logged_in_before(
    journalist_app: Flask, journalist: Account, clock: Clock
) -> None:
    own = journalist_app.test_client()
    logged_in(own, journalist, clock)
    assert own.get_cookie(DEVICE_COOKIE) is not None
    assert post(own, "/logout").status_code == 302
    # Someone else hammers the username, with fresh browsers (no cookies) each time.
    for _ in range(20):
        login(journalist_app.test_client(), journalist, clock, code="000001", advance=False)
    stranger = journalist_app.test_client()
    assert THROTTLED in login(stranger, journalist, clock).get_data(as_text=True)
    # The journalist's own browser still logs in (its device token has its own allowance).
    response = login(own, journalist, clock)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert own.get("/").status_code == 200


def test_one_browser_spraying_usernames_is_throttled(journalist_app: Flask, clock: Clock) -> None:
    client: FlaskClient = journalist_app.test_client()
    for number in range(5):
        ghost = Account(0, f"guess-{number}", "x " * 7, otp.new_totp_secret())
        assert THROTTLED not in login(client, ghost, clock, advance=False).get_data(as_text=True)
    sixth = Account(0, "guess-6", "x " * 7, otp.new_totp_secret())
    assert THROTTLED in login(client, sixth, clock, advance=False).get_data(as_text=True)
