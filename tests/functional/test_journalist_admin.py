"""Admin pages: accounts, their passphrases and 2FA, the `deleted` placeholder, instance settings."""

from __future__ import annotations

import html
import re
import struct
import zlib
from collections.abc import Callable

import pyotp
import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from securedrop import db
from securedrop.domain.authentication import DELETED_USERNAME
from securedrop.domain.instance import current_config
from securedrop.models import Reply, SeenMessage, Source, Submission, WebSession
from securedrop.models.journalists import Journalist
from securedrop.services import Services
from tests.functional import source_journey
from tests.functional.api_world import seed_source
from tests.functional.journalist_journey import Account, Clock, logged_in, post

_OFFERED = re.compile(r'name="password" value="([^"]+)"')
_SECRET = re.compile(r'id="otp-secret" translate="no">([^<]+)<')


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
            + chunk(b"IEND", b""))


def user(services: Services, username: str) -> Journalist | None:
    with services.sessions() as session:
        return session.scalar(select(Journalist).where(Journalist.username == username))


@pytest.fixture
def admin_client(journalist_client: FlaskClient, admin: Account, clock: Clock) -> FlaskClient:
    return logged_in(journalist_client, admin, clock)


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/admin/"), ("get", "/admin/add"), ("get", "/admin/config"), ("post", "/admin/delete/1"),
     ("post", "/admin/update-org-name"), ("get", "/admin/edit/1")],
)
def test_non_admins_are_refused(
    journalist_client: FlaskClient, journalist: Account, admin: Account, clock: Clock, services: Services,
    method: str, path: str,
) -> None:
    logged_in(journalist_client, journalist, clock)
    response = post(journalist_client, path, {"organization_name": "Evil"}) if method == "post" else \
        journalist_client.get(path)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Only admins can access this page." in journalist_client.get("/").get_data(as_text=True)
    assert user(services, "admin") is not None
    with services.sessions() as session:
        assert current_config(session).organization_name == "SecureDrop"


def test_user_list_hides_the_placeholder(admin_client: FlaskClient, journalist: Account, services: Services,
                                         make_account: Callable[..., Account]) -> None:
    make_account(DELETED_USERNAME)
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert "dellsberg" in page and ">deleted<" not in page


def test_add_totp_user_who_then_logs_in(
    admin_client: FlaskClient, services: Services, clock: Clock, journalist_app
) -> None:
    form = admin_client.get("/admin/add").get_data(as_text=True)
    passphrase = _OFFERED.search(form).group(1)
    response = post(admin_client, "/admin/add", {"username": "newbie", "first_name": "New", "password": passphrase,
                                                  "otp_type": "totp"}, page="/admin/")
    assert response.status_code == 302
    verify_url = response.headers["Location"]
    page = admin_client.get(verify_url).get_data(as_text=True)
    assert "<svg" in page
    secret = _SECRET.search(page).group(1).replace(" ", "")
    assert post(admin_client, verify_url, {"token": "000000"}, page=verify_url).status_code == 400
    done = post(admin_client, verify_url, {"token": pyotp.TOTP(secret).at(clock.now)}, page=verify_url)
    assert done.status_code == 302
    created = user(services, "newbie")
    assert created is not None and created.otp_secret == secret and not created.is_admin
    logged_in(journalist_app.test_client(), Account(created.id, "newbie", passphrase, secret), clock)


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ({"username": "dellsberg"}, 'Username "dellsberg" already taken.'),
        ({"username": "ab"}, "Usernames must be 3 to 64 characters long"),
        ({"username": DELETED_USERNAME}, "Usernames must be 3 to 64 characters long"),
        ({"username": "fine", "password": "chosen by me not by the server ok"}, "not the one offered"),
        ({"username": "fine", "otp_type": "hotp", "otp_secret": "nothex"}, "40 hexadecimal characters"),
        ({"username": "fine", "first_name": "x" * 101}, "Names can be at most 100 characters long."),
    ],
)
def test_add_user_bad_input_changes_nothing(
    admin_client: FlaskClient, journalist: Account, services: Services, data: dict[str, str], text: str
) -> None:
    form = admin_client.get("/admin/add").get_data(as_text=True)
    fields = {"password": _OFFERED.search(form).group(1), "otp_type": "totp", **data}
    response = post(admin_client, "/admin/add", fields, page="/admin/")
    assert response.status_code == 400
    assert text in html.unescape(response.get_data(as_text=True))
    with services.sessions() as session:
        assert sorted(session.scalars(select(Journalist.username))) == ["admin", "dellsberg"]


def test_add_hotp_user(admin_client: FlaskClient, services: Services) -> None:
    form = admin_client.get("/admin/add").get_data(as_text=True)
    response = post(admin_client, "/admin/add", {
        "username": "keyholder", "password": _OFFERED.search(form).group(1),
        "otp_type": "hotp", "otp_secret": "ab" * 20, "is_admin": "1"}, page="/admin/")
    verify_url = response.headers["Location"]
    created = user(services, "keyholder")
    assert created is not None and not created.is_totp and created.is_admin
    done = post(admin_client, verify_url, {"token": pyotp.HOTP(created.otp_secret).at(0)}, page=verify_url)
    assert done.status_code == 302
    assert user(services, "keyholder").hotp_counter == 1


def test_edit_user(admin_client: FlaskClient, journalist: Account, services: Services) -> None:
    url = f"/admin/edit/{journalist.id}"
    response = post(admin_client, url, {"username": "dan", "first_name": "Dan", "is_admin": "1"}, page=url)
    assert response.status_code == 302
    edited = user(services, "dan")
    assert edited is not None and edited.is_admin and edited.first_name == "Dan"
    clash = post(admin_client, url, {"username": "admin"}, page=url)
    assert clash.status_code == 400 and "already taken" in html.unescape(clash.get_data(as_text=True))
    assert user(services, "dan") is not None
    assert admin_client.get("/admin/edit/9999").status_code == 404


def test_admin_resets_anothers_passphrase_and_their_sessions_end(
    admin_client: FlaskClient, admin: Account, journalist: Account, clock: Clock, services: Services,
    journalist_app,
) -> None:
    victim = logged_in(journalist_app.test_client(), journalist, clock)
    url = f"/admin/edit/{journalist.id}"
    passphrase = _OFFERED.search(admin_client.get(url).get_data(as_text=True)).group(1)
    response = post(admin_client, f"{url}/new-password", {"password": passphrase}, page="/admin/")
    assert response.status_code == 200 and passphrase in response.get_data(as_text=True)
    assert victim.get("/").status_code == 302
    logged_in(victim, Account(journalist.id, journalist.username, passphrase, journalist.otp_secret), clock)
    own = post(admin_client, f"/admin/edit/{admin.id}/new-password", {"password": "x"}, page=url)
    assert own.status_code == 403


def test_admin_resets_anothers_totp(admin_client: FlaskClient, journalist: Account, clock: Clock,
                                    services: Services) -> None:
    response = post(admin_client, "/admin/reset-2fa-totp", {"uid": journalist.id})
    verify_url = response.headers["Location"]
    secret = _SECRET.search(admin_client.get(verify_url).get_data(as_text=True)).group(1).replace(" ", "")
    assert user(services, "dellsberg").otp_secret == journalist.otp_secret
    post(admin_client, verify_url, {"token": pyotp.TOTP(secret).at(clock.now)}, page=verify_url)
    assert user(services, "dellsberg").otp_secret == secret


def test_admin_hotp_reset_refuses_bad_secret(admin_client: FlaskClient, journalist: Account,
                                             services: Services) -> None:
    page = f"/admin/reset-2fa-hotp?uid={journalist.id}"
    assert admin_client.get(page).status_code == 200
    response = post(admin_client, "/admin/reset-2fa-hotp", {"uid": journalist.id, "otp_secret": "12" * 19}, page=page)
    assert response.status_code == 400 and "40 hexadecimal characters" in response.get_data(as_text=True)
    assert user(services, "dellsberg").is_totp


def test_delete_user_moves_replies_and_seen_records_to_placeholder(
    admin_client: FlaskClient, admin: Account, journalist: Account, services: Services,
    make_account: Callable[..., Account],
) -> None:
    fsid = seed_source(services, document=None).filesystem_id
    other = make_account("other")
    with db.unit_of_work(services.sessions) as session:
        source = session.scalar(select(Source).where(Source.filesystem_id == fsid))
        for account in (journalist, other):
            author = session.get(Journalist, account.id)
            services.replies(session).send(source, author, "reply")
            message = session.scalars(select(Submission)).one()
            session.add(SeenMessage(message_id=message.id, journalist_id=account.id))
    for account in (journalist, other):
        response = post(admin_client, f"/admin/delete/{account.id}", page="/admin/")
        assert response.status_code == 302
    placeholder = user(services, DELETED_USERNAME)
    assert placeholder is not None and user(services, "dellsberg") is None
    with services.sessions() as session:
        assert set(session.scalars(select(Reply.journalist_id))) == {placeholder.id}
        assert list(session.scalars(select(SeenMessage.journalist_id))) == [placeholder.id]
        assert session.scalar(select(WebSession).where(WebSession.journalist_id == journalist.id)) is None


@pytest.mark.parametrize("target", ["self", "placeholder", "unknown"])
def test_delete_user_refusals(admin_client: FlaskClient, admin: Account, services: Services,
                              make_account: Callable[..., Account], target: str) -> None:
    placeholder = make_account(DELETED_USERNAME)
    user_id, status = {"self": (admin.id, 403), "placeholder": (placeholder.id, 403), "unknown": (9999, 404)}[target]
    response = post(admin_client, f"/admin/delete/{user_id}", page="/admin/")
    assert response.status_code == status
    assert user(services, "admin") is not None and user(services, DELETED_USERNAME) is not None
    assert admin_client.get(f"/admin/edit/{placeholder.id}").status_code == 403


# -- instance settings -------------------------------------------------------------------------
def test_organization_name(admin_client: FlaskClient, services: Services, source_client: FlaskClient) -> None:
    bad = post(admin_client, "/admin/update-org-name", {"organization_name": "x" * 65}, page="/admin/config")
    assert bad.status_code == 400 and "1 to 64 characters" in bad.get_data(as_text=True)
    assert post(admin_client, "/admin/update-org-name", {"organization_name": "  "},
                page="/admin/config").status_code == 400
    good = post(admin_client, "/admin/update-org-name", {"organization_name": "The Daily Leak"},
                page="/admin/config")
    assert good.status_code == 302
    assert "The Daily Leak" in source_client.get("/").get_data(as_text=True)


def test_submission_preferences_reach_the_source_interface(
    admin_client: FlaskClient, services: Services, source_client: FlaskClient
) -> None:
    bad = post(admin_client, "/admin/update-submission-preferences",
               {"prevent_short_messages": "1", "min_message_length": "-3"}, page="/admin/config")
    assert bad.status_code == 400 and "whole number" in bad.get_data(as_text=True)
    post(admin_client, "/admin/update-submission-preferences",
         {"prevent_document_uploads": "1", "prevent_short_messages": "1", "min_message_length": "20",
          "reject_codename_messages": "1"}, page="/admin/config")
    with services.sessions() as session:
        config = current_config(session)
        assert (config.allow_document_uploads, config.initial_message_min_len,
                config.reject_message_with_codename) == (False, 20, True)
    source_journey.create(source_client)
    response = source_journey.submit(source_client, "too short")
    assert response.status_code == 400
    assert "at least 20 characters" in response.get_data(as_text=True)


def test_logo_upload(admin_client: FlaskClient, services: Services) -> None:
    assert admin_client.get("/org-logo").status_code == 404
    for data, text in ((b"GIF89a" + b"\0" * 100, "The logo must be a PNG image."),
                       (tiny_png() + b"\0" * (512 * 1024), "The logo must be at most 512 KiB.")):
        response = post(admin_client, "/admin/update-logo", {"logo": (__import__("io").BytesIO(data), "logo.png")},
                        page="/admin/config", content_type="multipart/form-data")
        assert response.status_code == 400 and text in response.get_data(as_text=True)
        assert not (services.settings.data_dir / "custom_logo.png").exists()
    import io

    response = post(admin_client, "/admin/update-logo", {"logo": (io.BytesIO(tiny_png()), "logo.png")},
                    page="/admin/config", content_type="multipart/form-data")
    assert response.status_code == 302
    logo = admin_client.get("/org-logo")
    assert logo.status_code == 200 and logo.mimetype == "image/png" and logo.get_data() == tiny_png()
    logo.close()


def test_test_alert_without_a_relay_says_to_set_one_up(admin_client: FlaskClient) -> None:
    # The alert really sends now (tests/functional/test_notifications.py); with no relay
    # there is nothing to send it through, and the page says so instead of pretending.
    response = post(admin_client, "/admin/test-alert", page="/admin/config")
    assert response.status_code == 302
    assert "Set up the mail relay first." in admin_client.get("/admin/system").get_data(as_text=True)
