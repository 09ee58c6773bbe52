"""The unmodified securedrop-sdk 0.4.0 (`sdclientapi`) against a real gunicorn server.

One server for the module; every test logs in as its own journalist, since a TOTP code
is accepted once and only later steps after it.
"""

from __future__ import annotations

import gzip
import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
import requests
import sdclientapi
from sdclientapi import AuthError, ReplyError, WrongUUIDError

from securedrop import config, db
from securedrop.crypto import otp
from securedrop.models import Journalist
from securedrop.services import Services, build_services
from tests.conftest import Decryptor, SubmissionKey
from tests.functional.api_world import SeededSource, encrypt_armored, seed_source
from tests.functional.journalist_journey import PASSPHRASE
from tests.functional.live_server import LiveServer, prepare_data_dir

NAMES = ("reader", "downloader", "replier", "marker", "deleter", "leaver", "badlogin", "rawcheck")
MESSAGE = "Message from source {n}: the budget numbers were changed."
DOCUMENT = b"Leaked spreadsheet, row after row.\n" * 100


@dataclass
class World:
    url: str
    services: Services
    secrets: dict[str, str]
    uuids: dict[str, str]
    sources: list[SeededSource]
    pending: SeededSource
    submission_key: SubmissionKey
    tmp: Path

    def api(self, name: str) -> sdclientapi.API:
        api = sdclientapi.API(self.url + "/", name, PASSPHRASE, pyotp.TOTP(self.secrets[name]).now())
        assert api.authenticate() is True
        return api


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, submission_key: SubmissionKey,
          passphrase_hash: str) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("api-live")
    env = prepare_data_dir(tmp / "data", submission_key.public)
    services = build_services(config.load(env))
    secrets_by_name, uuids, ids = {}, {}, {}
    with db.unit_of_work(services.sessions) as session:
        for name in NAMES:
            secret = otp.new_totp_secret()
            row = Journalist(username=name, passphrase_hash=passphrase_hash, otp_secret=secret, is_totp=True,
                             first_name="Rea" if name == "reader" else None,
                             last_name="Der" if name == "reader" else None)
            session.add(row)
            session.flush()
            secrets_by_name[name], uuids[name], ids[name] = secret, row.uuid, row.id
    sources = [
        seed_source(services, message=MESSAGE.format(n=n), document=DOCUMENT, reply_by=ids["reader"],
                    reply_text=f"Reply to source {n}")
        for n in range(5)
    ]
    pending = seed_source(services, message=None, document=None)
    server = LiveServer("journalist_app", env).start()
    try:
        yield World(server.url, services, secrets_by_name, uuids, sources, pending, submission_key, tmp)
    finally:
        server.stop()
        services.engine.dispose()


def test_bad_logins_raise_auth_error(world: World) -> None:
    code = pyotp.TOTP(world.secrets["badlogin"]).now()
    for username, passphrase in (("badlogin", "wrong " * 8), ("nobody", PASSPHRASE), ("deleted", PASSPHRASE)):
        with pytest.raises(AuthError):
            sdclientapi.API(world.url + "/", username, passphrase, code).authenticate()


def test_reading_everything(world: World) -> None:
    api = world.api("reader")
    assert api.token_journalist_uuid == world.uuids["reader"]
    assert (api.first_name, api.last_name) == ("Rea", "Der")
    assert api.token_expiration is not None and api.token is not None and " " not in api.token
    sources = {s.uuid: s for s in api.get_sources()}
    assert {s.uuid for s in world.sources} <= set(sources) and world.pending.uuid not in sources
    seeded = world.sources[0]
    source = api.get_source(sources[seeded.uuid])
    assert source.key["fingerprint"] == seeded.fingerprint and source.key["public"] == seeded.public_key
    assert (source.number_of_messages, source.number_of_documents, source.interaction_count) == (1, 1, 3)
    assert api.get_source_from_string(seeded.uuid).journalist_designation == source.journalist_designation
    submissions = api.get_submissions(source)
    assert {s.uuid for s in submissions} == {seeded.message_uuid, seeded.document_uuid}
    assert all(s.source_uuid == seeded.uuid for s in submissions)
    document = next(s for s in submissions if s.is_file())
    assert api.get_submission(document).filename.endswith("-doc.gz.gpg")
    assert api.get_submission_from_string(seeded.message_uuid, seeded.uuid).filename.endswith("-msg.gpg")
    assert {s.uuid for s in api.get_all_submissions()} >= {seeded.message_uuid, seeded.document_uuid}
    (reply,) = api.get_replies_from_source(source)
    assert reply.journalist_username == "reader" and reply.source_uuid == seeded.uuid
    assert api.get_reply_from_source(source, reply.uuid).filename == reply.filename
    assert seeded.reply_uuids[0] in {r.uuid for r in api.get_all_replies()}
    me = api.get_current_user()
    assert me["username"] == "reader" and me["is_admin"] is False and me["last_login"]
    assert {u.username for u in api.get_users()} >= set(NAMES)
    # Unknown and malformed ids: WrongUUIDError, never a crash inside the client.
    for bad in (str(uuid.uuid4()), "not there", "rofl-missing"):
        with pytest.raises(WrongUUIDError):
            api.get_source_from_string(bad)
    with pytest.raises(WrongUUIDError):
        api.get_source_from_string(world.pending.uuid)
    with pytest.raises(WrongUUIDError):
        api.get_submission_from_string(str(uuid.uuid4()), seeded.uuid)
    with pytest.raises(WrongUUIDError):  # another source's submission under this source
        api.get_submission_from_string(world.sources[1].message_uuid, seeded.uuid)
    with pytest.raises(WrongUUIDError):
        api.get_reply_from_source(source, str(uuid.uuid4()))
    with pytest.raises(WrongUUIDError):
        api.get_submissions(sdclientapi.Source(uuid=str(uuid.uuid4())))


def test_downloads_match_their_etag_and_stay_unread(world: World, tmp_path: Path, decryptor: Decryptor) -> None:
    api = world.api("downloader")
    seeded = world.sources[1]
    source = api.get_source_from_string(seeded.uuid)
    for submission in api.get_submissions(source):
        etag, path = api.download_submission(submission, str(tmp_path))
        data = Path(path).read_bytes()
        algorithm, checksum = etag.split(":")
        assert algorithm == "sha256" and checksum == hashlib.sha256(data).hexdigest()
        assert len(data) == submission.size
        plaintext = decryptor.decrypt(data)
        if submission.is_file():
            assert gzip.decompress(plaintext) == DOCUMENT
        else:
            assert plaintext.decode() == MESSAGE.format(n=1)
        assert api.get_submission(submission).is_read is False
    (reply,) = api.get_replies_from_source(source)
    etag, path = api.download_reply(reply, str(tmp_path))
    data = Path(path).read_bytes()
    assert etag == "sha256:" + hashlib.sha256(data).hexdigest()
    assert decryptor.decrypt(data).decode() == "Reply to source 1"
    with pytest.raises(WrongUUIDError):
        api.download_submission(sdclientapi.Submission(uuid=str(uuid.uuid4())), str(tmp_path))


def test_replies_with_and_without_a_client_uuid(world: World, tmp_path: Path, decryptor: Decryptor) -> None:
    api = world.api("replier")
    seeded = world.sources[2]
    source = api.get_source_from_string(seeded.uuid)
    armored = encrypt_armored("We got your documents.", [source.key["public"], world.submission_key.public],
                              tmp_path)
    chosen = str(uuid.uuid4())
    stored = api.reply_source(source, armored, reply_uuid=chosen)
    assert stored.uuid == chosen and stored.filename.endswith("-reply.gpg")
    picked = api.reply_source(source, armored)
    assert picked.uuid != chosen and str(uuid.UUID(picked.uuid)) == picked.uuid
    replies = {r.uuid: r for r in api.get_replies_from_source(source)}
    assert replies[chosen].journalist_uuid == world.uuids["replier"]
    assert world.uuids["replier"] in replies[chosen].seen_by
    etag, path = api.download_reply(replies[chosen], str(tmp_path))
    assert Path(path).read_bytes() == armored.encode("ascii")
    assert decryptor.decrypt(armored.encode()).decode() == "We got your documents."
    assert api.get_source(source).interaction_count == source.interaction_count + 2
    with pytest.raises(ReplyError):
        api.reply_source(source, "This was never encrypted.")
    with pytest.raises(ReplyError):
        api.reply_source(source, armored, reply_uuid=chosen)  # 409: uuid in use
    assert len(api.get_replies_from_source(source)) == 3


def test_star_flag_and_seen(world: World) -> None:
    api = world.api("marker")
    seeded = world.sources[3]
    source = api.get_source_from_string(seeded.uuid)
    assert api.add_star(source) is True and api.get_source(source).is_starred is True
    assert api.remove_star(source) is True and api.get_source(source).is_starred is False
    assert api.flag_source(source) is True
    with pytest.raises(WrongUUIDError):
        api.flag_source(sdclientapi.Source(uuid=str(uuid.uuid4())))
    with pytest.raises(WrongUUIDError):
        api.add_star(sdclientapi.Source(uuid="not there"))
    with pytest.raises(WrongUUIDError):  # all-or-nothing: the valid file is not marked either
        api.seen(files=[seeded.document_uuid], messages=[str(uuid.uuid4())], replies=[])
    submission = api.get_submission_from_string(seeded.document_uuid, seeded.uuid)
    assert submission.is_read is False
    result = api.seen(files=[seeded.document_uuid], messages=[seeded.message_uuid],
                      replies=[seeded.reply_uuids[0]])
    assert "resources marked seen" in result
    for item in api.get_submissions(source):
        assert item.is_read is True and item.seen_by == [world.uuids["marker"]]
    (reply,) = api.get_replies_from_source(source)
    assert world.uuids["marker"] in reply.seen_by


def test_deletions(world: World) -> None:
    api = world.api("deleter")
    seeded = world.sources[4]
    source = api.get_source_from_string(seeded.uuid)
    (reply,) = api.get_replies_from_source(source)
    assert api.delete_reply(reply) is True
    with pytest.raises(WrongUUIDError):
        api.delete_reply(reply)
    message = api.get_submission_from_string(seeded.message_uuid, seeded.uuid)
    assert api.delete_submission(message) is True
    with pytest.raises(WrongUUIDError):
        api.get_submission(message)
    # 0.4.0 builds `sources//submissions/<id>` here: a JSON 404, never a redirect.
    with pytest.raises(WrongUUIDError):
        api.delete_submission_from_string(seeded.document_uuid, seeded.uuid)
    assert api.delete_conversation(seeded.uuid) is True
    kept = api.get_source(source)
    assert (kept.number_of_documents, kept.number_of_messages) == (0, 0) and kept.interaction_count == 3
    assert api.get_submissions(source) == [] and api.get_replies_from_source(source) == []
    assert api.delete_source(source) is True
    with pytest.raises(WrongUUIDError):
        api.get_source(source)
    with pytest.raises(WrongUUIDError):
        api.delete_source_from_string(seeded.uuid)
    with pytest.raises(WrongUUIDError):
        api.delete_conversation(str(uuid.uuid4()))


def test_logout_kills_the_token(world: World) -> None:
    api = world.api("leaver")
    assert api.logout() is True
    with pytest.raises(AuthError):
        api.get_sources()
    with pytest.raises(AuthError):
        api.get_current_user()


def test_wire_details_the_sdk_relies_on(world: World) -> None:
    api = world.api("rawcheck")
    headers = api.req_headers
    response = requests.get(world.url + "/api/v1/sources", headers=headers, timeout=20)
    assert response.headers["Content-Type"] == "application/json"
    assert "Set-Cookie" not in response.headers and response.headers["Cache-Control"] == "no-store"
    seeded = world.sources[0]
    path = f"/api/v1/sources/{seeded.uuid}/submissions/{seeded.message_uuid}/download"
    download = requests.get(world.url + path, headers={**headers, "Accept-Encoding": "gzip"}, timeout=20)
    assert "Content-Encoding" not in download.headers
    assert download.headers["Content-Type"] == "application/pgp-encrypted"
    assert "Etag" in dict(download.headers)  # the exact spelling the client indexes
    for method, route in (("GET", "/api/v1/nothing"), ("PATCH", "/api/v1/sources")):
        error = requests.request(method, world.url + route, headers=headers, timeout=20)
        assert error.headers["Content-Type"] == "application/json" and set(error.json()) == {"error", "message"}
    unauthenticated = requests.get(world.url + "/api/v1/user", timeout=20)
    assert unauthenticated.status_code == 403 and unauthenticated.json()["error"] == "Forbidden"
