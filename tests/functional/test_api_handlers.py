"""Journalist API v1 through the Flask test client: every endpoint's 4xx, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from securedrop import db
from securedrop.crypto.passwords import generate_passphrase
from securedrop.domain import listings
from securedrop.domain.journalists import delete_journalist, deleted_user, set_passphrase, set_two_factor
from securedrop.domain.tokens import issue_token
from securedrop.models import ApiToken, Journalist, Reply, SeenFile, SeenMessage, SeenReply, Source, WebSession
from securedrop.services import Services
from tests.functional.api_world import SeededSource, count_rows, encrypt_armored, seed_source, store_files
from tests.functional.journalist_journey import Account, Clock

TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
SOURCE_KEYS = {"uuid", "url", "journalist_designation", "is_flagged", "is_starred", "last_updated",
               "interaction_count", "key", "number_of_documents", "number_of_messages", "submissions_url",
               "add_star_url", "remove_star_url", "replies_url"}
SUBMISSION_KEYS = {"uuid", "filename", "size", "is_file", "is_message", "is_read", "seen_by", "source_url",
                   "submission_url", "download_url"}
REPLY_KEYS = {"uuid", "filename", "size", "journalist_uuid", "journalist_username", "journalist_first_name",
              "journalist_last_name", "is_deleted_by_source", "seen_by", "source_url", "reply_url"}
BAD_IDS = ["not there", "rofl-missing", "1", str(uuid.uuid4()), str(uuid.uuid4()).upper()]


class Api:
    """A test client speaking like sdclientapi: token header, JSON content type."""

    def __init__(self, client: FlaskClient, token: str | None) -> None:
        self.client = client
        self.token = token

    def headers(self) -> dict[str, str]:
        base = {"Content-Type": "application/json", "Accept": "application/json"}
        return {**base, "Authorization": f"Token {self.token}"} if self.token else base

    def call(self, method: str, path: str, body: Any = None, raw: bytes | None = None,
             headers: dict[str, str] | None = None) -> TestResponse:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        return self.client.open(path, method=method, data=data, headers=headers or self.headers())

    def get(self, path: str) -> TestResponse:
        return self.call("GET", path)

    def post(self, path: str, body: Any = None, raw: bytes | None = None) -> TestResponse:
        return self.call("POST", path, body, raw)

    def delete(self, path: str) -> TestResponse:
        return self.call("DELETE", path)


def token_for(services: Services, account: Account, now: datetime) -> str:
    with db.unit_of_work(services.sessions) as session:
        found = session.get(Journalist, account.id)
        assert found is not None
        return issue_token(session, found, now).token


@pytest.fixture
def api(journalist_client: FlaskClient, services: Services, journalist: Account, clock: Clock) -> Api:
    return Api(journalist_client, token_for(services, journalist, clock.now))


@pytest.fixture
def two(services: Services, journalist: Account) -> tuple[SeededSource, SeededSource]:
    """Two live sources, each with a message, a document and a reply."""
    return (seed_source(services, reply_by=journalist.id), seed_source(services, reply_by=journalist.id))


def assert_error(response: TestResponse, status: int, message: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error", "message"}
    if message is not None:
        assert body["message"] == message
    return body


# -- shapes ---------------------------------------------------------------------------------
def test_index_is_public_and_lists_the_urls(api: Api) -> None:
    body = Api(api.client, None).get("/api/v1/").get_json()
    assert body["sources_url"] == "/api/v1/sources" and body["auth_token_url"] == "/api/v1/token"
    assert len(body) == 7


def test_object_shapes_and_formats(api: Api, services: Services, two: tuple[SeededSource, SeededSource],
                                   journalist: Account) -> None:
    seed_source(services, message=None, document=None)  # pending: invisible
    sources = api.get("/api/v1/sources").get_json()["sources"]
    assert {s["uuid"] for s in sources} == {two[0].uuid, two[1].uuid}
    for source in sources:
        assert set(source) == SOURCE_KEYS
        assert TS.match(source["last_updated"])
        assert re.fullmatch(r"[a-z'-]+ [a-z'-]+", source["journalist_designation"])
        assert source["key"]["type"] == "PGP" and re.fullmatch(r"[0-9A-F]{40}", source["key"]["fingerprint"])
        assert source["key"]["public"].startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")
        assert (source["number_of_messages"], source["number_of_documents"], source["interaction_count"]) == (1, 1, 3)
        assert source["url"] == f"/api/v1/sources/{source['uuid']}"
    one = api.get(f"/api/v1/sources/{two[0].uuid}").get_json()
    assert one["key"]["fingerprint"] == two[0].fingerprint
    submissions = api.get("/api/v1/submissions").get_json()["submissions"]
    assert len(submissions) == 4
    for item in submissions:
        assert set(item) == SUBMISSION_KEYS
        assert item["is_read"] is False and item["seen_by"] == []
        assert item["is_file"] != item["is_message"]
        assert not item["source_url"].endswith("/")
    replies = api.get("/api/v1/replies").get_json()["replies"]
    assert len(replies) == 2
    for item in replies:
        assert set(item) == REPLY_KEYS
        assert item["journalist_username"] == journalist.username
        assert item["journalist_first_name"] == "" and item["journalist_last_name"] == ""
        assert item["seen_by"] == [item["journalist_uuid"]]
        assert re.fullmatch(r"\d+-[a-z0-9_-]*-reply\.gpg", item["filename"])
    user = api.get("/api/v1/user").get_json()
    assert set(user) == {"uuid", "username", "first_name", "last_name", "is_admin", "last_login"}
    users = api.get("/api/v1/users").get_json()["users"]
    assert all(set(u) == {"uuid", "username", "first_name", "last_name"} for u in users)


def test_whole_second_timestamps_keep_six_digits(api: Api, services: Services) -> None:
    seeded = seed_source(services)
    with db.unit_of_work(services.sessions) as session:
        row = session.scalar(select(Source).where(Source.uuid == seeded.uuid))
        assert row is not None
        row.last_updated = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
    body = api.get(f"/api/v1/sources/{seeded.uuid}").get_json()
    assert body["last_updated"] == "2024-05-01T09:30:00.000000Z"


# -- authentication -------------------------------------------------------------------------
@pytest.mark.parametrize("header", [None, "", "Token", "Token ", "token {t}", "Bearer {t}", "Token  {t}",
                                    "Token {t} extra", "Token {t}x", "Basic {t}"])
def test_every_bad_authorization_is_403_json(api: Api, header: str | None) -> None:
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers["Authorization"] = header.format(t=api.token)
    for method, path in [("GET", "/api/v1/sources"), ("GET", "/api/v1/user"), ("POST", "/api/v1/logout"),
                         ("GET", f"/api/v1/sources/{uuid.uuid4()}")]:
        assert_error(api.call(method, path, headers=headers), 403)


def test_login_returns_a_token_and_updates_last_login(journalist_client: FlaskClient, services: Services,
                                                      journalist: Account, clock: Clock) -> None:
    clock.advance(30)
    code = journalist.code(clock.now)
    # The SDK sends no Content-Type; spaces may sit inside the code and, as on the web
    # login form, around the username.
    response = journalist_client.post("/api/v1/token", data=json.dumps({
        "username": f" {journalist.username}  ", "passphrase": journalist.passphrase,
        "one_time_code": f"{code[:3]} {code[3:]}"}))
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"token", "expiration", "journalist_uuid", "journalist_first_name", "journalist_last_name"}
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", body["token"])
    assert TS.match(body["expiration"])
    expires = datetime.strptime(body["expiration"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert expires == clock.now + timedelta(hours=2)
    assert body["journalist_first_name"] is None
    assert "Set-Cookie" not in response.headers
    with services.sessions() as session:
        stored = session.scalars(select(ApiToken.token_hash)).all()
        assert stored == [hashlib.sha256(body["token"].encode()).hexdigest()]
        assert session.get(Journalist, journalist.id).last_login == clock.now
    assert count_rows(services, WebSession) == 0
    me = Api(journalist_client, body["token"]).get("/api/v1/user").get_json()
    assert me["username"] == journalist.username and TS.match(me["last_login"])


def test_failed_logins_are_identical_403s_and_share_the_throttle(
    journalist_client: FlaskClient, services: Services, journalist: Account, clock: Clock,
    make_account: Callable[..., Account],
) -> None:
    with db.unit_of_work(services.sessions) as session:
        deleted_user(session)

    def login(username: str, passphrase: str, code: str) -> TestResponse:
        return journalist_client.post("/api/v1/token", data=json.dumps(
            {"username": username, "passphrase": passphrase, "one_time_code": code}))

    clock.advance(30)
    good = journalist.code(clock.now)
    failures = [
        login("nobody", journalist.passphrase, good),
        login("deleted", journalist.passphrase, good),
        login(journalist.username, journalist.passphrase, "000000" if good != "000000" else "111111"),
        login(journalist.username, "wrong passphrase " * 3, good),  # consumes `good`
        login(journalist.username, journalist.passphrase, good),  # replayed code
    ]
    bodies = {r.get_data() for r in failures}
    assert {r.status_code for r in failures} == {403} and len(bodies) == 1
    assert json.loads(bodies.pop()) == {"error": "Forbidden", "message": "Token authentication failed."}
    # Three attempts counted for this username so far (unknown names count for nobody);
    # the 6th within 60 s fails even when everything is right.
    clock.advance(1)
    assert login(journalist.username, journalist.passphrase, "12345").status_code == 403
    assert login(journalist.username, journalist.passphrase, "1234567").status_code == 403
    clock.advance(30)
    assert login(journalist.username, journalist.passphrase, journalist.code(clock.now)).status_code == 403
    clock.advance(61)
    assert login(journalist.username, journalist.passphrase, journalist.code(clock.now)).status_code == 200


@pytest.mark.parametrize(("raw", "message"), [
    (b"", "malformed request"),
    (b"{not json", "malformed request"),
    (b"\xff\xfe", "malformed request"),
    (b"[]", "malformed request"),
    (b'"text"', "malformed request"),
    (b'{"passphrase": "p", "one_time_code": "1"}', "username field is missing"),
    (b'{"username": "u", "one_time_code": "1"}', "passphrase field is missing"),
    (b'{"username": "u", "passphrase": "p"}', "one_time_code field is missing"),
    (b'{"username": 1, "passphrase": "p", "one_time_code": "1"}', "malformed request"),
    (b'{"username": "u", "passphrase": null, "one_time_code": "1"}', "malformed request"),
    (b'{"username": "u", "passphrase": "p", "one_time_code": 123456}', "malformed request"),
])
def test_bad_login_bodies_are_400(journalist_client: FlaskClient, raw: bytes, message: str) -> None:
    assert_error(journalist_client.post("/api/v1/token", data=raw), 400, message)


def test_logout_kills_the_token_at_once(api: Api) -> None:
    # Empty body labelled JSON, as the SDK sends it.
    response = api.post("/api/v1/logout")
    assert response.status_code == 200
    assert response.get_json() == {"message": "Your token has been revoked."}
    assert_error(api.get("/api/v1/sources"), 403)
    assert_error(api.post("/api/v1/logout"), 403)


@pytest.mark.parametrize("change", ["passphrase", "two_factor", "deletion"])
def test_account_changes_kill_every_token(journalist_client: FlaskClient, services: Services,
                                          journalist: Account, clock: Clock, change: str) -> None:
    apis = [Api(journalist_client, token_for(services, journalist, clock.now)) for _ in range(2)]
    assert all(a.get("/api/v1/user").status_code == 200 for a in apis)
    with db.unit_of_work(services.sessions) as session:
        row = session.get(Journalist, journalist.id)
        assert row is not None
        if change == "passphrase":
            new = generate_passphrase()
            set_passphrase(session, row, new, new)
        elif change == "two_factor":
            from securedrop.domain.journalists import TwoFactor

            set_two_factor(session, row, TwoFactor.new_totp(), 1)
        else:
            delete_journalist(session, row, None)
    for a in apis:
        assert_error(a.get("/api/v1/user"), 403)
    assert count_rows(services, ApiToken) == 0


def test_token_expires_and_renews_at_most_five_times(journalist_client: FlaskClient, services: Services,
                                                     journalist: Account, clock: Clock) -> None:
    api = Api(journalist_client, token_for(services, journalist, clock.now))
    start = clock.now
    clock.advance(3600)  # 1 h left: no renewal
    assert api.get("/api/v1/user").status_code == 200
    for renewal in range(1, 6):
        # 10 min before expiry: extended by 2 h each time.
        clock.now = start + timedelta(hours=2 * renewal) - timedelta(minutes=10)
        assert api.get("/api/v1/user").status_code == 200
    with services.sessions() as session:
        record = session.scalars(select(ApiToken)).one()
        assert record.renewals == 5 and record.expires_at == start + timedelta(hours=12)
    clock.now = start + timedelta(hours=12) - timedelta(minutes=1)
    assert api.get("/api/v1/user").status_code == 200
    clock.now = start + timedelta(hours=12)
    assert_error(api.get("/api/v1/user"), 403)


def test_api_never_touches_web_sessions(api: Api, services: Services) -> None:
    api.client.set_cookie("sd_journalist", "A" * 86)
    for response in (api.get("/api/v1/sources"), api.post("/api/v1/logout"), api.get("/api/v1/sources")):
        assert "Set-Cookie" not in response.headers
    assert count_rows(services, WebSession) == 0


# -- errors ---------------------------------------------------------------------------------
def test_unknown_paths_and_methods_are_json(api: Api, two: tuple[SeededSource, SeededSource]) -> None:
    s = f"/api/v1/sources/{two[0].uuid}"
    assert_error(api.get("/api/v1/nothing"), 404)
    assert_error(api.get("/api/v1/sources/"), 404)
    assert_error(api.delete(f"/api/v1/sources//submissions/{two[0].message_uuid}"), 404)
    response = api.get("/api/v1/token")
    assert_error(response, 405)
    assert "POST" in response.headers["Allow"]
    assert_error(api.get(f"{s}/conversation"), 405)
    assert_error(api.call("PUT", "/api/v1/sources"), 405)
    assert_error(api.get(f"{s}/add_star"), 405)
    assert_error(api.post(f"{s}/remove_star"), 405)


def test_html_pages_keep_their_own_errors(journalist_client: FlaskClient) -> None:
    response = journalist_client.get("/login")
    assert response.status_code == 200 and response.mimetype == "text/html"
    response = journalist_client.get("/no-such-page")
    assert response.mimetype != "application/json"


def test_a_bug_is_a_generic_json_500(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("SELECT secret FROM /var/lib/securedrop")

    monkeypatch.setattr(listings, "source_views", broken)
    body = assert_error(api.get("/api/v1/sources"), 500)
    assert body["error"] == "Internal Server Error"
    assert "SELECT" not in body["message"] and "securedrop" not in body["message"]


def test_huge_bodies_are_413_json(api: Api, two: tuple[SeededSource, SeededSource]) -> None:
    huge = b"{" + b" " * (3 * 1024 * 1024) + b"}"
    for path in ("/api/v1/token", "/api/v1/seen", f"/api/v1/sources/{two[0].uuid}/replies"):
        body = assert_error(api.post(path, raw=huge), 413)
        assert body["error"] == "Request Entity Too Large"


def test_empty_posts_succeed_where_the_sdk_sends_them(api: Api, services: Services,
                                                      two: tuple[SeededSource, SeededSource]) -> None:
    s = f"/api/v1/sources/{two[0].uuid}"
    response = api.post(f"{s}/add_star")
    assert response.status_code == 201 and response.get_json() == {"message": "Star added"}
    assert api.post(f"{s}/add_star").status_code == 201  # idempotent
    assert api.get(s).get_json()["is_starred"] is True
    response = api.post(f"{s}/flag")
    assert response.status_code == 200
    assert response.get_json() == {"message": "Sources no longer need to be flagged for reply"}
    assert api.get(s).get_json()["is_flagged"] is False
    for _ in range(2):
        response = api.delete(f"{s}/remove_star")
        assert response.status_code == 200 and response.get_json() == {"message": "Star removed"}
    assert api.get(s).get_json()["is_starred"] is False


@pytest.mark.parametrize("bad", BAD_IDS)
def test_malformed_and_unknown_ids_are_404(api: Api, two: tuple[SeededSource, SeededSource], bad: str) -> None:
    good = two[0]
    s_bad, s_good = f"/api/v1/sources/{bad}", f"/api/v1/sources/{good.uuid}"
    for method, path in [
        ("GET", s_bad), ("DELETE", s_bad), ("POST", f"{s_bad}/add_star"), ("DELETE", f"{s_bad}/remove_star"),
        ("POST", f"{s_bad}/flag"), ("DELETE", f"{s_bad}/conversation"), ("GET", f"{s_bad}/submissions"),
        ("GET", f"{s_bad}/replies"), ("GET", f"{s_bad}/submissions/{good.message_uuid}"),
        ("GET", f"{s_bad}/submissions/{good.message_uuid}/download"),
        ("GET", f"{s_good}/submissions/{bad}"), ("DELETE", f"{s_good}/submissions/{bad}"),
        ("GET", f"{s_good}/submissions/{bad}/download"), ("GET", f"{s_good}/replies/{bad}"),
        ("DELETE", f"{s_good}/replies/{bad}"), ("GET", f"{s_good}/replies/{bad}/download"),
    ]:
        assert_error(api.call(method, path), 404)
    assert_error(api.post(f"{s_bad}/replies", {"reply": "x"}), 404)


def test_another_sources_item_is_404_and_untouched(api: Api, services: Services,
                                                   two: tuple[SeededSource, SeededSource]) -> None:
    mine, other = two
    s = f"/api/v1/sources/{mine.uuid}"
    before = store_files(services)
    for item in (other.message_uuid, other.document_uuid):
        for method, path in [("GET", f"{s}/submissions/{item}"), ("DELETE", f"{s}/submissions/{item}"),
                             ("GET", f"{s}/submissions/{item}/download")]:
            assert_error(api.call(method, path), 404)
    reply = other.reply_uuids[0]
    for method, path in [("GET", f"{s}/replies/{reply}"), ("DELETE", f"{s}/replies/{reply}"),
                         ("GET", f"{s}/replies/{reply}/download"), ("GET", f"{s}/submissions/{reply}")]:
        assert_error(api.call(method, path), 404)
    assert store_files(services) == before
    assert count_rows(services, Reply) == 2


# -- downloads ------------------------------------------------------------------------------
def test_downloads_carry_etag_and_never_mark_seen(api: Api, services: Services,
                                                  two: tuple[SeededSource, SeededSource]) -> None:
    s = f"/api/v1/sources/{two[0].uuid}"
    for path in (f"{s}/submissions/{two[0].document_uuid}/download", f"{s}/replies/{two[0].reply_uuids[0]}/download"):
        response = api.get(path)
        assert response.status_code == 200
        data = response.get_data()
        assert response.headers["Content-Type"] == "application/pgp-encrypted"
        assert ("Etag", "sha256:" + hashlib.sha256(data).hexdigest()) in response.headers.items()
        assert "ETag" not in dict(response.headers.items())
        assert response.headers["Content-Length"] == str(len(data))
        assert "Content-Encoding" not in response.headers
        assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert api.get(f"{s}/submissions/{two[0].document_uuid}").get_json()["is_read"] is False
    assert count_rows(services, SeenFile) == 0


def test_missing_file_is_404(api: Api, services: Services, two: tuple[SeededSource, SeededSource]) -> None:
    for path in services.store.source_dir(two[0].filesystem_id).glob("*-msg.gpg"):
        path.unlink()
    assert_error(api.get(f"/api/v1/sources/{two[0].uuid}/submissions/{two[0].message_uuid}/download"), 404)


# -- seen -----------------------------------------------------------------------------------
def _seen_rows(services: Services) -> int:
    return sum(count_rows(services, m) for m in (SeenFile, SeenMessage, SeenReply))


def test_seen_marks_everything_or_nothing(api: Api, services: Services, journalist: Account,
                                          two: tuple[SeededSource, SeededSource]) -> None:
    a, b = two
    before = _seen_rows(services)  # the authors' seen-records of their replies
    cases = [
        ({"files": [a.document_uuid], "messages": [a.message_uuid, "nope"], "replies": []}, "message not found: nope"),
        ({"files": [a.message_uuid], "messages": [], "replies": []}, f"file not found: {a.message_uuid}"),
        ({"files": [], "messages": [a.document_uuid], "replies": []}, f"message not found: {a.document_uuid}"),
        ({"files": [a.document_uuid], "messages": [], "replies": [a.message_uuid]},
         f"reply not found: {a.message_uuid}"),
        ({"files": ["x"], "messages": ["y"], "replies": ["z"]}, "file not found: x"),
    ]
    for body, message in cases:
        assert_error(api.post("/api/v1/seen", body), 404, message)
    assert _seen_rows(services) == before
    body = {"files": [a.document_uuid, b.document_uuid], "messages": [a.message_uuid],
            "replies": [a.reply_uuids[0], b.reply_uuids[0]]}
    for _ in range(2):  # idempotent
        response = api.post("/api/v1/seen", body)
        assert response.status_code == 200 and response.get_json() == {"message": "resources marked seen"}
    submissions = {s["uuid"]: s for s in api.get("/api/v1/submissions").get_json()["submissions"]}
    me = api.get("/api/v1/user").get_json()["uuid"]
    assert submissions[a.document_uuid]["seen_by"] == [me] and submissions[a.document_uuid]["is_read"] is True
    assert submissions[b.message_uuid]["is_read"] is False
    # Missing keys count as empty lists.
    assert api.post("/api/v1/seen", {"messages": [b.message_uuid]}).status_code == 200


@pytest.mark.parametrize(("raw", "message"), [
    (b"", "malformed request"),
    (b"{nope", "malformed request"),
    (b"[]", "Please send requests in valid JSON."),
    (b'{"files": "abc", "messages": [], "replies": []}', "Please send requests in valid JSON."),
    (b'{"files": [1], "messages": [], "replies": []}', "Please send requests in valid JSON."),
    (b'{"files": [], "messages": [], "replies": []}', "Please specify the resources to mark seen."),
    (b"{}", "Please specify the resources to mark seen."),
])
def test_seen_bad_bodies_are_400(api: Api, raw: bytes, message: str) -> None:
    assert_error(api.post("/api/v1/seen", raw=raw), 400, message)


# -- replies --------------------------------------------------------------------------------
@pytest.fixture
def armored(services: Services, two: tuple[SeededSource, SeededSource], submission_key: Any) -> str:
    return encrypt_armored("A reply, encrypted client side.", [two[0].public_key, submission_key.public],
                           services.settings.tmp_dir)


def _state(services: Services, source_uuid: str) -> tuple[int, int, list[Any]]:
    with services.sessions() as session:
        source = session.scalar(select(Source).where(Source.uuid == source_uuid))
        assert source is not None
        interactions = source.interaction_count
    return interactions, count_rows(services, Reply), store_files(services)


def test_rejected_replies_write_nothing(api: Api, services: Services, two: tuple[SeededSource, SeededSource],
                                        armored: str) -> None:
    s = f"/api/v1/sources/{two[0].uuid}/replies"
    existing = two[1].reply_uuids[0]
    before = _state(services, two[0].uuid)
    cases: list[tuple[bytes, int, str]] = [
        (b"", 400, "please send requests in valid JSON"),
        (b"{oops", 400, "please send requests in valid JSON"),
        (b"[]", 400, "please send requests in valid JSON"),
        (b"{}", 400, "reply not found in request body"),
        (json.dumps({"reply": ""}).encode(), 400, "reply should not be empty"),
        (json.dumps({"reply": 12}).encode(), 400, "please send requests in valid JSON"),
        (json.dumps({"reply": "hello in plaintext"}).encode(), 400, "You must encrypt replies client side"),
        (json.dumps({"reply": armored.replace("-----END PGP MESSAGE-----", "")}).encode(), 400,
         "You must encrypt replies client side"),
        (json.dumps({"reply": armored + "é"}).encode(), 400, "You must encrypt replies client side"),
        (json.dumps({"reply": armored, "uuid": "not-a-uuid"}).encode(), 400, "'uuid' was not a valid UUID"),
        (json.dumps({"reply": armored, "uuid": str(uuid.uuid4()).upper()}).encode(), 400,
         "'uuid' was not a valid UUID"),
        (json.dumps({"reply": armored, "uuid": 5}).encode(), 400, "'uuid' was not a valid UUID"),
        (json.dumps({"reply": armored, "uuid": existing}).encode(), 409, "That UUID is already in use."),
    ]
    for raw, status, message in cases:
        assert_error(api.post(s, raw=raw), status, message)
    assert _state(services, two[0].uuid) == before


def test_reply_is_stored_byte_for_byte(api: Api, services: Services, two: tuple[SeededSource, SeededSource],
                                       armored: str, decryptor: Any) -> None:
    s = f"/api/v1/sources/{two[0].uuid}"
    before = api.get(s).get_json()
    chosen = str(uuid.uuid4())
    response = api.post(f"{s}/replies", {"reply": armored, "uuid": chosen})
    assert response.status_code == 201
    body = response.get_json()
    jfn = before["journalist_designation"].replace(" ", "_")
    assert body == {"message": "Your reply has been stored", "uuid": chosen,
                    "filename": f"{before['interaction_count'] + 1}-{jfn}-reply.gpg"}
    after = api.get(s).get_json()
    assert after["interaction_count"] == before["interaction_count"] + 1
    assert after["last_updated"] == before["last_updated"]
    download = api.get(f"{s}/replies/{chosen}/download")
    assert download.get_data() == armored.encode("ascii")
    assert decryptor.decrypt(download.get_data()) == b"A reply, encrypted client side."
    reply = api.get(f"{s}/replies/{chosen}").get_json()
    assert reply["seen_by"] == [api.get("/api/v1/user").get_json()["uuid"]]
    # Without a uuid the server picks a canonical uuid4.
    second = api.post(f"{s}/replies", {"reply": armored}).get_json()
    assert str(uuid.UUID(second["uuid"])) == second["uuid"] and second["uuid"] != chosen


# -- deletions ------------------------------------------------------------------------------
def test_deletions(api: Api, services: Services, two: tuple[SeededSource, SeededSource]) -> None:
    a, b = two
    s = f"/api/v1/sources/{a.uuid}"
    assert api.delete(f"{s}/submissions/{a.message_uuid}").get_json() == {"message": "Submission deleted"}
    assert_error(api.get(f"{s}/submissions/{a.message_uuid}"), 404)
    assert api.delete(f"{s}/replies/{a.reply_uuids[0]}").get_json() == {"message": "Reply deleted"}
    assert api.get(f"{s}/replies").get_json() == {"replies": []}
    assert api.delete(f"{s}/conversation").get_json() == {"message": "Source data deleted"}
    kept = api.get(s).get_json()
    assert (kept["number_of_documents"], kept["number_of_messages"], kept["interaction_count"]) == (0, 0, 3)
    response = api.delete(f"/api/v1/sources/{b.uuid}")
    assert response.get_json() == {"message": "Source and submissions deleted"}
    assert_error(api.get(f"/api/v1/sources/{b.uuid}"), 404)
    with services.sessions() as session:
        assert session.scalar(select(Source).where(Source.uuid == b.uuid)) is None
    assert not services.store.source_dir(b.filesystem_id).exists()


def test_deleted_journalist_is_listed_and_owns_their_replies(
    api: Api, services: Services, make_account: Callable[..., Account],
) -> None:
    author = make_account("leaving")
    seeded = seed_source(services, reply_by=author.id)
    with db.unit_of_work(services.sessions) as session:
        row = session.get(Journalist, author.id)
        assert row is not None
        delete_journalist(session, row, None)
    users = {u["username"]: u for u in api.get("/api/v1/users").get_json()["users"]}
    assert "deleted" in users and "leaving" not in users
    (reply,) = api.get(f"/api/v1/sources/{seeded.uuid}/replies").get_json()["replies"]
    assert reply["journalist_uuid"] == users["deleted"]["uuid"] and reply["journalist_username"] == "deleted"
    assert reply["journalist_first_name"] == "" and users["deleted"]["uuid"] in reply["seen_by"]
