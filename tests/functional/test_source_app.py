"""Every source-interface route through the Flask test client, with real gpg and databases."""

from __future__ import annotations

import gzip
import json
from dataclasses import astuple

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from securedrop import db
from securedrop.crypto.sealing import unseal
from securedrop.domain.instance import update_config
from securedrop.models import Reply, Source, Submission, WebSession
from securedrop.services import Services
from securedrop.web.sessions import _decode_cookie, _hash_id
from tests.conftest import Decryptor, csrf_token
from tests.functional import source_journey as journey
from tests.functional.api_world import count_rows, seed_reply, store_files
from tests.functional.session_records import set_expiry


def the_source(services: Services) -> Source:
    with services.sessions() as session:
        return session.scalars(select(Source)).one()


# -- pages anyone can see ------------------------------------------------------------------
def test_index_offers_codename_and_login(source_client: FlaskClient) -> None:
    page = source_client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'action="/generate"' in html and 'href="/login"' in html
    assert 'name="tor2web_check" value="href=&#34;fake.onion&#34;"' in html
    assert "<script" not in html


@pytest.mark.parametrize("path", ["/", "/login", "/use-tor", "/why-public-key", "/robots.txt", "/metadata"])
def test_every_response_carries_strict_headers(source_client: FlaskClient, path: str) -> None:
    response = source_client.get(path)
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cross-Origin-Embedder-Policy"] == "require-corp"
    assert response.headers["Cache-Control"] == "no-store"
    assert "ETag" not in response.headers and "Last-Modified" not in response.headers


def test_robots_txt_disallows_everything(source_client: FlaskClient) -> None:
    assert source_client.get("/robots.txt").get_data(as_text=True) == "User-agent: *\nDisallow: /\n"


def test_metadata(source_client: FlaskClient, services: Services) -> None:
    data = json.loads(source_client.get("/metadata").get_data())
    assert data["organization_name"] == "SecureDrop"
    assert data["allow_document_uploads"] is True
    assert data["gpg_fpr"] == services.pgp.submission_fingerprint
    assert isinstance(data["sd_version"], str) and isinstance(data["server_os"], str)
    assert "en_US" in data["supported_languages"]
    assert data["v3_source_url"] is None


def test_public_key_download(source_client: FlaskClient, services: Services) -> None:
    response = source_client.get("/public-key")
    fpr = services.pgp.submission_fingerprint
    assert response.mimetype == "application/pgp-keys"
    assert response.headers["Content-Disposition"] == f"attachment; filename={fpr}.asc"
    assert "BEGIN PGP PUBLIC KEY BLOCK" in response.get_data(as_text=True)
    old = source_client.get("/journalist-key")
    assert old.status_code == 301 and old.headers["Location"].endswith("/public-key")


def test_unknown_page_is_a_friendly_404(source_client: FlaskClient) -> None:
    response = source_client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_tor2web_requests_are_refused(source_client: FlaskClient) -> None:
    response = source_client.get("/", headers={"X-tor2web": "encrypted"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/tor2web-warning")
    warning = source_client.get("/tor2web-warning")
    assert warning.status_code == 403
    assert "Your connection is not anonymous right now!" in warning.get_data(as_text=True)


# -- generate and create -------------------------------------------------------------------
def test_generate_shows_seven_word_codename_and_stores_nothing(source_client: FlaskClient, services: Services) -> None:
    codename, _tab = journey.generate(source_client)
    assert len(codename.split(" ")) == 7
    assert count_rows(services, Source) == 0
    cookie = source_client.get_cookie("sd_source")
    assert cookie is not None and codename not in cookie.value
    # Open the session record with the cookie's key, as the server does: what /create
    # needs is there, the codename is not.
    decoded = _decode_cookie(cookie.value)
    assert decoded is not None
    session_id, key = decoded
    with services.sessions() as session:
        record = session.get(WebSession, _hash_id(session_id))
        assert record is not None
        plaintext = unseal(key, record.sealed, associated=record.id_hash.encode()).decode()
    assert codename not in plaintext
    (pending,) = json.loads(plaintext)["data"]["pending_accounts"].values()
    assert pending == list(astuple(services.hasher.derive(codename)))


def test_generate_without_tor2web_field_is_forbidden(source_client: FlaskClient) -> None:
    token = csrf_token(source_client)
    assert source_client.post("/generate", data={"csrf_token": token}).status_code == 403


def test_generate_with_rewritten_tor2web_field_warns(source_client: FlaskClient) -> None:
    token = csrf_token(source_client)
    response = source_client.post("/generate", data={"csrf_token": token, "tor2web_check": 'href="x.tor2web.org"'})
    assert response.headers["Location"].endswith("/tor2web-warning")


def test_two_tabs_each_keep_their_codename(source_client: FlaskClient, services: Services) -> None:
    first, first_tab = journey.generate(source_client)
    second, _second_tab = journey.generate(source_client)
    assert first != second
    token = csrf_token(source_client)
    response = source_client.post("/create", data={"csrf_token": token, "tab_id": first_tab})
    assert response.status_code == 302
    source = the_source(services)
    assert source.filesystem_id == services.hasher.filesystem_id(first)


def test_create_makes_a_pending_source_with_a_curve25519_key(source_client: FlaskClient, services: Services,
                                                             decryptor: Decryptor) -> None:
    codename = journey.create(source_client)
    source = the_source(services)
    assert source.pending
    assert source.filesystem_id == services.hasher.filesystem_id(codename)
    assert len(source.journalist_designation.split(" ")) == 2
    assert len(source.fingerprint) == 40
    packets = decryptor.packets(source.public_key.encode())
    assert "algo 22" in packets and "algo 18" in packets  # EdDSA primary, ECDH subkey
    assert "created 1368489600" in packets  # 2013-05-14: key metadata dates nothing
    assert "Source Key <" + source.filesystem_id + ">" in packets
    # The secret key is sealed: not armored text in the database.
    assert b"PRIVATE KEY" not in source.sealed_secret_key
    page = source_client.get("/lookup").get_data(as_text=True)
    assert "Remember your codename" in page


def test_create_with_unknown_tab_logs_out(source_client: FlaskClient, services: Services) -> None:
    journey.generate(source_client)
    token = csrf_token(source_client)
    response = source_client.post("/create", data={"csrf_token": token, "tab_id": "forged"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    assert "logged out" in source_client.get("/").get_data(as_text=True)
    assert count_rows(services, Source) == 0


def test_generate_when_logged_in_goes_to_lookup(source_client: FlaskClient) -> None:
    journey.create(source_client)
    token = csrf_token(source_client)
    response = source_client.post("/generate", data={"csrf_token": token, "tor2web_check": journey.TOR2WEB_CHECK})
    assert response.headers["Location"].endswith("/lookup")


# -- submissions ------------------------------------------------------------------------------
def test_message_and_document_are_encrypted_and_numbered(source_client: FlaskClient, services: Services,
                                                         decryptor: Decryptor) -> None:
    journey.create(source_client)
    document = b"col1,col2\n" * 1000
    response = journey.submit(source_client, "the budget is fake", document, "../../etc/report.csv")
    assert response.status_code == 302
    flashes = source_client.get("/lookup").get_data(as_text=True)
    assert "We received your message and document" in flashes
    source = the_source(services)
    assert not source.pending and source.interaction_count == 2
    jfn = source.journalist_filename
    with services.sessions() as session:
        names = [s.filename for s in session.scalars(select(Submission).order_by(Submission.id))]
    assert names == [f"1-{jfn}-msg.gpg", f"2-{jfn}-doc.gz.gpg"]
    files = store_files(services)
    assert [p.name for p in files] == sorted(names)
    msg_path = services.store.path(source.filesystem_id, names[0])
    doc_path = services.store.path(source.filesystem_id, names[1])
    assert decryptor.decrypt(msg_path.read_bytes()) == b"the budget is fake"
    gz = decryptor.decrypt(doc_path.read_bytes())
    assert gzip.decompress(gz) == document
    # The sanitised original name lives only inside the encrypted gzip header.
    assert gz[10:].split(b"\0", 1)[0] == b"report.csv"
    # No compression inside OpenPGP: we gzip ourselves and never compress twice.
    assert "compressed packet" not in decryptor.packets(doc_path.read_bytes())
    assert {p.stat().st_mtime for p in files} == {0}


def test_document_only_and_message_only_confirmations(source_client: FlaskClient) -> None:
    journey.create(source_client)
    journey.submit(source_client, document=b"x" * 100)
    assert "We received your document." in source_client.get("/lookup").get_data(as_text=True)
    journey.submit(source_client, "hello")
    assert "We received your message." in source_client.get("/lookup").get_data(as_text=True)


def test_checksum_and_size_recorded(source_client: FlaskClient, services: Services) -> None:
    import hashlib

    journey.create(source_client)
    journey.submit(source_client, "hello")
    source = the_source(services)
    with services.sessions() as session:
        row = session.scalars(select(Submission)).one()
    data = services.store.path(source.filesystem_id, row.filename).read_bytes()
    assert row.size == len(data)
    assert row.checksum == "sha256:" + hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("message", "document", "expected"),
    [
        ("", None, "You must enter a message or choose a file"),
        ("x" * 100_001, None, "Message text too long."),
        ("", b"", "The file you chose is empty."),
    ],
)
def test_bad_submissions_store_nothing(source_client: FlaskClient, services: Services, message: str,
                                       document: bytes | None, expected: str) -> None:
    journey.create(source_client)
    response = journey.submit(source_client, message, document)
    assert response.status_code == 400
    assert expected in response.get_data(as_text=True)
    assert count_rows(services, Submission) == 0 and store_files(services) == []
    assert the_source(services).interaction_count == 0 and the_source(services).pending


def test_long_message_is_kept_in_the_form(source_client: FlaskClient) -> None:
    journey.create(source_client)
    response = journey.submit(source_client, "y" * 100_001)
    assert "y" * 1000 in response.get_data(as_text=True)


def test_message_of_exactly_the_limit_is_accepted(source_client: FlaskClient, services: Services) -> None:
    journey.create(source_client)
    assert journey.submit(source_client, "z" * 100_000).status_code == 302
    assert count_rows(services, Submission) == 1


def test_honeypot_is_refused(source_client: FlaskClient, services: Services) -> None:
    journey.create(source_client)
    response = journey.submit(source_client, "hello", text="i am a bot")
    assert response.status_code == 403
    assert count_rows(services, Submission) == 0 and store_files(services) == []


def test_messages_only_mode_refuses_files(source_client: FlaskClient, services: Services) -> None:
    journey.create(source_client)
    with db.unit_of_work(services.sessions) as session:
        update_config(session, allow_document_uploads=False)
    page = source_client.get("/lookup").get_data(as_text=True)
    assert 'name="fh"' not in page
    response = journey.submit(source_client, "hello", b"sneaky")
    assert response.status_code == 400
    assert "messages only" in response.get_data(as_text=True)
    assert count_rows(services, Submission) == 0


def test_minimum_first_message_length(source_client: FlaskClient, services: Services) -> None:
    journey.create(source_client)
    with db.unit_of_work(services.sessions) as session:
        update_config(session, initial_message_min_len=20)
    assert "at least 20 characters" in source_client.get("/lookup").get_data(as_text=True)
    response = journey.submit(source_client, "too short")
    assert response.status_code == 400 and count_rows(services, Submission) == 0
    assert journey.submit(source_client, "long enough to pass the minimum").status_code == 302
    # Only the first submission is held to the minimum.
    assert journey.submit(source_client, "ok").status_code == 302


def test_codename_as_first_message_is_rejected(source_client: FlaskClient, services: Services) -> None:
    codename = journey.create(source_client)
    with db.unit_of_work(services.sessions) as session:
        update_config(session, reject_message_with_codename=True)
    response = journey.submit(source_client, f"  {codename}  ")
    assert response.status_code == 400
    assert "Please do not submit your codename!" in response.get_data(as_text=True)
    assert count_rows(services, Submission) == 0


def test_oversized_request_gets_413_and_leaves_nothing(settings, services: Services) -> None:
    from securedrop.source_app import create_app

    small = settings.with_overrides(max_document_bytes=64 * 1024)
    app = create_app(small, services)
    client = app.test_client()
    journey.create(client)
    response = journey.submit(client, "", b"A" * (2 * 1024 * 1024))
    assert response.status_code == 413
    assert "Your submission is too large" in response.get_data(as_text=True)
    assert count_rows(services, Submission) == 0 and store_files(services) == []
    assert list(settings.tmp_dir.glob("spool-*")) == []


def test_document_over_the_limit_within_request_room_is_refused(settings, services: Services) -> None:
    from securedrop.source_app import create_app

    app = create_app(settings.with_overrides(max_document_bytes=1000), services)
    client = app.test_client()
    journey.create(client)
    response = journey.submit(client, "", b"B" * 5000)
    assert response.status_code == 413
    assert count_rows(services, Submission) == 0 and store_files(services) == []


# -- sessions, login, logout -------------------------------------------------------------------
def test_login_with_codename_and_whitespace(source_client: FlaskClient, services: Services) -> None:
    codename = journey.create(source_client)
    journey.logout(source_client)
    assert source_client.get("/lookup").status_code == 302
    messy = "  " + codename.replace(" ", " \n\t ") + "  "
    response = journey.login(source_client, messy)
    assert response.status_code == 302 and response.headers["Location"].endswith("/lookup")
    assert source_client.get("/lookup").status_code == 200


@pytest.mark.parametrize("codename", ["wrong codename words here now please", "../../etc/passwd", "x" * 200, ""])
def test_wrong_codename_is_refused(source_client: FlaskClient, codename: str) -> None:
    response = journey.login(source_client, codename)
    assert response.status_code == 400
    assert "Sorry, that is not a recognized codename." in response.get_data(as_text=True)
    assert source_client.get("/lookup").status_code == 302


def test_login_gives_a_new_session_id(source_client: FlaskClient) -> None:
    codename = journey.create(source_client)
    journey.logout(source_client)
    source_client.get("/")
    before = source_client.get_cookie("sd_source").value
    journey.login(source_client, codename)
    assert source_client.get_cookie("sd_source").value != before


def test_only_a_post_logs_out(source_client: FlaskClient) -> None:
    journey.create(source_client)
    response = source_client.get("/logout")
    assert response.status_code == 302 and response.headers["Location"].endswith("/lookup")
    assert source_client.get("/lookup").status_code == 200


def test_logout_advice_survives_a_language_switch(source_client: FlaskClient) -> None:
    journey.create(source_client)
    journey.logout(source_client)
    page = source_client.get("/logout?l=fr_FR")
    assert page.status_code == 200
    assert 'id="new-identity-advice"' in page.get_data(as_text=True)
    assert source_client.get("/lookup").status_code == 302  # still logged out


def test_codename_page_keeps_its_codename_in_another_language(source_client: FlaskClient) -> None:
    codename, tab_id = journey.generate(source_client)
    token = journey.csrf_token(source_client, "/")
    fields = {"csrf_token": token, "tor2web_check": journey.TOR2WEB_CHECK, "tab_id": tab_id}
    again = source_client.post("/generate?l=fr_FR", data={**fields, "codename": codename})
    assert again.status_code == 200
    html = again.get_data(as_text=True)
    assert f'translate="no">{codename}</p>' in html
    # A codename this tab was not given is never shown back: the page is refused.
    forged = source_client.post("/generate?l=fr_FR", data={**fields, "codename": "forged words only here"})
    assert forged.status_code == 302 and "codename" not in forged.get_data(as_text=True)


def test_logout_keeps_language_and_advises_new_identity(source_client: FlaskClient) -> None:
    journey.create(source_client)
    response = journey.logout(source_client)
    assert "New Identity" in response.get_data(as_text=True)
    assert source_client.get("/lookup").status_code == 302


def test_missing_csrf_token_ends_the_session_and_stores_nothing(source_client: FlaskClient, services: Services) -> None:
    journey.create(source_client)
    response = source_client.post("/submit", data={"msg": "hello"}, content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    assert count_rows(services, Submission) == 0
    assert "logged out" in source_client.get("/").get_data(as_text=True)
    assert source_client.get("/lookup").status_code == 302


def test_stale_csrf_token_is_refused(source_client: FlaskClient, services: Services) -> None:
    journey.create(source_client)
    response = source_client.post("/submit", data={"msg": "hi", "csrf_token": "IjAwMDAi.forged.token"},
                                  content_type="multipart/form-data")
    assert response.status_code == 302
    assert count_rows(services, Submission) == 0


def test_forged_cookie_is_just_a_new_visitor(source_client: FlaskClient) -> None:
    source_client.set_cookie("sd_source", "A" * 86)
    assert source_client.get("/lookup").status_code == 302
    source_client.set_cookie("sd_source", "not base64 at all!")
    assert source_client.get("/").status_code == 200


def test_copied_cookie_without_database_record_unlocks_nothing(source_client: FlaskClient, services: Services) -> None:
    journey.create(source_client)
    with db.unit_of_work(services.sessions) as session:
        for record in session.scalars(select(WebSession)):
            session.delete(record)
    response = source_client.get("/lookup")
    assert response.status_code == 302


def test_expired_session_logs_out(source_client: FlaskClient, services: Services) -> None:
    from datetime import timedelta

    from securedrop.models.base import utcnow

    journey.create(source_client)
    set_expiry(services, source_client, "sd_source", utcnow() - timedelta(seconds=1))
    assert source_client.get("/lookup").status_code == 302
    assert "logged out" in source_client.get("/").get_data(as_text=True)


def test_deleted_source_is_logged_out(source_client: FlaskClient, services: Services) -> None:
    from securedrop.domain.sources import delete_source

    journey.create(source_client)
    journey.submit(source_client, "hello")
    with db.unit_of_work(services.sessions) as session:
        delete_source(session, services.store, session.scalars(select(Source)).one())
    # Records do not say whose they are (issue 13): the session ends at its next use.
    assert source_client.get("/lookup").status_code == 302
    assert count_rows(services, WebSession) == 0
    assert store_files(services) == []


# -- replies --------------------------------------------------------------------------------------
def test_replies_are_decrypted_newest_first_and_deletable(source_client: FlaskClient, services: Services) -> None:
    journey.create(source_client)
    journey.submit(source_client, "hello")
    seed_reply(services, "first reply")
    seed_reply(services, "second <b>reply</b>")
    page = source_client.get("/lookup").get_data(as_text=True)
    assert page.index("second &lt;b&gt;reply&lt;/b&gt;") < page.index("first reply")
    with services.sessions() as session:
        first = session.scalars(select(Reply).order_by(Reply.id)).first()
        assert first is not None
    token = csrf_token(source_client, "/lookup")
    source_client.post("/delete", data={"csrf_token": token, "reply_filename": first.filename})
    page = source_client.get("/lookup").get_data(as_text=True)
    assert "first reply" not in page and "second" in page
    # The file stays: journalists see the deletion as a read receipt.
    assert services.store.path(the_source(services).filesystem_id, first.filename).exists()
    token = csrf_token(source_client, "/lookup")
    source_client.post("/delete-all", data={"csrf_token": token})
    assert "There are no replies" in source_client.get("/lookup").get_data(as_text=True)
    with services.sessions() as session:
        assert all(r.deleted_by_source for r in session.scalars(select(Reply)))


def test_deleting_an_unknown_reply_changes_nothing(source_client: FlaskClient, services: Services) -> None:
    journey.create(source_client)
    journey.submit(source_client, "hello")
    seed_reply(services, "a reply")
    token = csrf_token(source_client, "/lookup")
    response = source_client.post("/delete", data={"csrf_token": token, "reply_filename": "../../1-x-reply.gpg"})
    assert response.status_code == 302
    assert "could not be found" in source_client.get("/lookup").get_data(as_text=True)
    assert "a reply" in source_client.get("/lookup").get_data(as_text=True)


def test_reply_decrypts_with_the_submission_key_too(source_client: FlaskClient, services: Services,
                                                   decryptor: Decryptor) -> None:
    journey.create(source_client)
    journey.submit(source_client, "hello")
    seed_reply(services, "for both keys")
    with services.sessions() as session:
        reply = session.scalars(select(Reply)).one()
    data = services.store.path(the_source(services).filesystem_id, reply.filename).read_bytes()
    assert decryptor.decrypt(data) == b"for both keys"


def test_offline_when_the_submission_key_is_missing(settings, services: Services) -> None:
    from securedrop.services import build_services
    from securedrop.source_app import create_app

    empty = settings.with_overrides(data_dir=settings.data_dir.parent / "empty")
    app = create_app(empty, build_services(empty))
    response = app.test_client().get("/")
    assert response.status_code == 503
    assert "offline" in response.get_data(as_text=True)


def test_organisation_logo_appears_once_an_admin_sets_one(source_client: FlaskClient, services: Services) -> None:
    from securedrop.domain.instance import save_logo

    assert source_client.get("/org-logo").status_code == 404
    assert 'class="logo"' not in source_client.get("/").get_data(as_text=True)
    png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + b"\0" * 64
    save_logo(services.settings.data_dir, png)
    assert 'src="/org-logo"' in source_client.get("/").get_data(as_text=True)
    response = source_client.get("/org-logo")
    assert response.status_code == 200 and response.mimetype == "image/png" and response.data == png
    assert "ETag" not in response.headers and "Last-Modified" not in response.headers


def test_a_cookie_copied_before_logout_is_dead_after_it(source_client: FlaskClient, services: Services) -> None:
    journey.create(source_client)
    copied = source_client.get_cookie("sd_source").value
    journey.logout(source_client)
    assert count_rows(services, WebSession) == 0  # an anonymous visitor's session has no record
    source_client.set_cookie("sd_source", copied)
    assert source_client.get("/lookup").status_code == 302


def test_a_wrong_method_gets_the_friendly_page_and_says_which_methods_work(source_client: FlaskClient) -> None:
    response = source_client.get("/create")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert response.headers["Content-Type"].startswith("text/html")
