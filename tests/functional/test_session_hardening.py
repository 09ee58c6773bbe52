"""Issue 13: the login form after a CSRF failure works; anonymous visitors cost no row."""

from __future__ import annotations

import base64
import json
from datetime import datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, text

from securedrop.models import WebSession
from securedrop.services import Services
from securedrop.web.session_cookies import (
    ANONYMOUS_PREFIX,
    CLIENT_SIDE_KEYS,
    anonymous_key,
    decode_anonymous_cookie,
)
from tests.conftest import csrf_from
from tests.functional import source_journey as journey
from tests.functional.api_world import count_rows
from tests.functional.journalist_journey import Account, Clock, logged_in


def test_login_form_shown_after_a_csrf_failure_logs_in(
    journalist_client: FlaskClient, journalist: Account, clock: Clock, services: Services
) -> None:
    logged_in(journalist_client, journalist, clock)
    refused = journalist_client.post("/account/change-name", data={"first_name": "Mallory"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "logged out" in html
    assert journalist_client.get("/").status_code == 302  # the old session is gone
    clock.advance(30)
    # The very form on the refusal page, as the journalist would fill it in.
    response = journalist_client.post("/login", data={
        "csrf_token": csrf_from(html, "the CSRF refusal page"),
        "username": journalist.username,
        "password": journalist.passphrase,
        "token": journalist.code(clock.now),
    })
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert journalist_client.get("/").status_code == 200
    assert count_rows(services, WebSession) == 1


def test_anonymous_page_views_write_no_session_rows(
    source_client: FlaskClient, journalist_client: FlaskClient, services: Services
) -> None:
    for _ in range(50):
        source_client.delete_cookie("sd_source")
        assert source_client.get("/").status_code == 200
    assert journalist_client.get("/login").status_code == 200
    assert count_rows(services, WebSession) == 0


def test_anonymous_forms_stay_csrf_protected_without_a_row(source_client: FlaskClient, services: Services) -> None:
    page = source_client.get("/login").get_data(as_text=True)
    token = csrf_from(page, "/login")
    # Without the token, or with it from another browser (no cookie), the form is refused.
    assert "logged out" in source_client.post("/login", data={"codename": "a b c d e f g"},
                                              follow_redirects=True).get_data(as_text=True)
    stranger = source_client.application.test_client()
    refused = stranger.post("/login", data={"csrf_token": token, "codename": "a b c d e f g"})
    assert refused.status_code == 302  # the CSRF refusal: back to the index with a notice
    # With it, from the browser it was given to, the form is answered.
    fresh = source_client.application.test_client()
    token = csrf_from(fresh.get("/login").get_data(as_text=True), "/login")
    answered = fresh.post("/login", data={"csrf_token": token, "codename": "a b c d e f g"})
    assert answered.status_code == 400 and "not a recognized codename" in answered.get_data(as_text=True)
    assert count_rows(services, WebSession) == 0


def test_session_rows_do_not_say_which_source_logged_in_or_when(
    source_app: Flask, services: Services
) -> None:
    browsers = [source_app.test_client() for _ in range(2)]
    for browser in browsers:
        journey.create(browser)
        assert browser.get("/lookup").status_code == 200
    with services.engine.connect() as conn:
        columns = {column["name"] for column in inspect(conn).get_columns("web_sessions")}
        rows = conn.execute(text("SELECT * FROM web_sessions")).mappings().all()
        source_ids = {str(row[0]) for row in conn.execute(text("SELECT id FROM sources"))}
    assert len(rows) == 2
    # Only the id hash, the app, a coarse purge hour and the seal are stored.
    assert columns == {"id_hash", "app", "purge_after", "journalist_id", "sealed"}
    for row in rows:
        stamp = row["purge_after"] if isinstance(row["purge_after"], datetime) else datetime.fromisoformat(
            str(row["purge_after"]))
        assert (stamp.minute, stamp.second, stamp.microsecond) == (0, 0, 0)
        assert row["app"] == "source" and row["journalist_id"] is None
        assert not {str(value) for value in row.values()} & source_ids
    for browser in browsers:  # each browser still reaches its own source
        assert browser.get("/lookup").status_code == 200


def _cookies_in(client: FlaskClient) -> list[str]:
    return [cookie.value for cookie in client._cookies.values()]  # noqa: SLF001 (the test client keeps no public cookie list)


def _assert_codename_absent(client: FlaskClient, codename: str) -> list[dict[str, object]]:
    """No cookie the browser holds carries the codename, sealed or not; the sealed ones, opened."""
    key = anonymous_key(client.application.secret_key)
    opened = []
    for value in _cookies_in(client):
        assert codename not in value
        visitor = decode_anonymous_cookie(key, "source", value)
        if visitor is not None:
            assert set(visitor) <= CLIENT_SIDE_KEYS
            text = json.dumps(visitor, ensure_ascii=False)
            assert codename not in text and codename.replace(" ", "") not in text.replace(" ", "")
            opened.append(visitor)
    return opened


def test_no_cookie_a_source_is_given_holds_the_codename(source_client: FlaskClient) -> None:
    """The invariant: a codename never leaves the server except on the page that shows it once.

    Every step of a source's visit is followed by opening every cookie the browser holds,
    the sealed anonymous ones with the server's own key.
    """
    source_client.get("/?l=fr_FR")
    codename = journey.create(source_client)
    _assert_codename_absent(source_client, codename)
    assert journey.submit(source_client, message="first message").status_code == 302
    _assert_codename_absent(source_client, codename)
    source_client.get("/lookup?l=ar")
    _assert_codename_absent(source_client, codename)
    assert journey.logout(source_client).status_code in (200, 302)
    _assert_codename_absent(source_client, codename)
    assert journey.login(source_client, codename).status_code == 302
    _assert_codename_absent(source_client, codename)
    assert journey.logout(source_client).status_code in (200, 302)
    _assert_codename_absent(source_client, codename)
    # A codename typed into a form that is refused (a wrong one; one sent without its
    # CSRF token, answered with a notice kept for the next page) is not echoed into a cookie.
    wrong = "tumbling " + codename
    journey.login(source_client, wrong)
    _assert_codename_absent(source_client, wrong)
    refused = source_client.post("/login", data={"codename": codename})
    assert refused.status_code == 302
    opened = _assert_codename_absent(source_client, codename)
    assert any("_flashes" in visitor for visitor in opened)  # the check did open the notice


def test_an_anonymous_cookie_is_sealed_not_just_signed(source_client: FlaskClient) -> None:
    page = source_client.get("/login").get_data(as_text=True)
    cookie = source_client.get_cookie("sd_source")
    assert cookie is not None and cookie.value.startswith(ANONYMOUS_PREFIX)
    key = anonymous_key(source_client.application.secret_key)
    opened = decode_anonymous_cookie(key, "source", cookie.value)
    assert opened is not None and set(opened) == {"csrf_token"}
    # Whoever copies the cookie reads nothing: not the secret the form token is made from.
    raw = base64.urlsafe_b64decode(cookie.value[len(ANONYMOUS_PREFIX):] + "==")
    assert opened["csrf_token"].encode() not in raw and b"csrf_token" not in raw
    assert csrf_from(page, "/login") not in cookie.value
    # Sealed for the source app: the journalist app's binding refuses it.
    assert decode_anonymous_cookie(key, "journalist", cookie.value) is None
