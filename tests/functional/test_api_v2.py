"""Journalist API v2 through a contract-written client (tests/functional/v2_client.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from securedrop import db
from securedrop.models import Journalist, Reply, Source, Submission
from securedrop.services import Services
from tests.conftest import SubmissionKey
from tests.functional import source_journey
from tests.functional.api_world import SeededSource, count_rows, encrypt_armored, seed_source
from tests.functional.journalist_journey import Account, Clock, logged_in, post
from tests.functional.v2_client import InboxClient, canonical_hash, snowflake

ZERO = "0" * 64
ARMOR = "-----BEGIN PGP MESSAGE-----\n\n-----END PGP MESSAGE-----"


def inbox(client: FlaskClient, account: Account, clock: Clock) -> InboxClient:
    clock.advance(30)
    found = InboxClient(client)
    found.login(account.username, account.passphrase, account.code(clock.now))
    return found


def index_etag(client: InboxClient) -> str:
    response = client.get("/api/v2/index")
    assert response.status_code == 200
    return response.headers["ETag"].strip('"')


@pytest.fixture
def newsroom(services: Services, journalist: Account) -> list[SeededSource]:
    """Two live sources (one with a reply by `journalist`), and one pending source nobody sees."""
    with db.unit_of_work(services.sessions) as session:
        row = session.get(Journalist, journalist.id)
        assert row is not None
        row.first_name = "Zoë"  # non-ASCII: hashed as raw UTF-8, as the Inbox does
    seeded = [seed_source(services, reply_by=journalist.id), seed_source(services, document=None)]
    seed_source(services, message=None, document=None)
    return seeded


def test_login_hints_only_when_asked_and_they_describe_the_index(
    journalist_client: FlaskClient, journalist: Account, clock: Clock, newsroom: list[SeededSource]
) -> None:
    clock.advance(30)
    plain = journalist_client.post("/api/v1/token", data=json.dumps({
        "username": journalist.username, "passphrase": journalist.passphrase,
        "one_time_code": journalist.code(clock.now)}))
    assert plain.status_code == 200 and "hints" not in plain.get_json()

    client = inbox(journalist_client, journalist, clock)
    assert client.hints == {"version": index_etag(client), "sources": 2, "items": 4}


def test_sync_fetches_every_record_then_costs_one_304(
    journalist_client: FlaskClient, journalist: Account, clock: Clock, newsroom: list[SeededSource]
) -> None:
    client = inbox(journalist_client, journalist, clock)
    first = client.sync()
    assert first.status == 200
    assert set(client.sources) == {s.uuid for s in newsroom}
    assert len(client.items) == 4 and journalist_client is client.http
    zoe = next(j for j in client.journalists.values() if j["username"] == journalist.username)
    assert zoe["first_name"] == "Zoë" and zoe["last_name"] is None
    # The client's own hash of what it holds is the server's index version and the login hint.
    assert client.local_version() == index_etag(client) == (client.hints or {})["version"]

    again = client.sync()
    assert (again.status, again.requests) == (304, 1)

    # A fresh login with nothing changed: hints say so, the first sync can be skipped.
    assert inbox(journalist_client, journalist, clock).hints == client.hints


def test_every_event_type_takes_effect_everywhere(
    journalist_client: FlaskClient, services: Services, journalist: Account, clock: Clock,
    newsroom: list[SeededSource], tmp_path: Path, submission_key: SubmissionKey,
) -> None:
    client = inbox(journalist_client, journalist, clock)
    client.sync()
    first, second = newsroom
    me = next(u for u, j in client.journalists.items() if j["username"] == journalist.username)

    star = client.queue("source_starred", client.source_target(first.uuid))
    seen = client.queue("source_conversation_seen", client.source_target(first.uuid), {"upper_bound": 2})
    reply_uuid = str(uuid.uuid4())
    armored = encrypt_armored("We read it, thank you.", [first.public_key, submission_key.public], tmp_path)
    reply = client.queue("reply_sent", client.source_target(first.uuid), {"uuid": reply_uuid, "reply": armored})
    result = client.sync()
    assert [result.events[e.id] for e in (star, seen, reply)] == [[200, None]] * 3
    assert client.sources[first.uuid]["is_starred"] is True
    assert client.sources[first.uuid]["is_seen"] is True
    assert all(me in client.items[u]["seen_by"] for u in (first.message_uuid, first.document_uuid))
    assert client.items[reply_uuid]["journalist_uuid"] == me
    assert client.items[reply_uuid]["interaction_count"] == 4
    with services.sessions() as session:
        stored = session.scalar(select(Reply).where(Reply.uuid == reply_uuid))
        assert stored is not None
        assert services.store.path(first.filesystem_id, stored.filename).read_text() == armored
        source = session.scalar(select(Source).where(Source.uuid == first.uuid))
        assert source is not None and source.is_starred
    assert client.sync().status == 304  # the data answer already held the events' results

    # The web interface shows the star (starred sources come first) and the reply.
    web = logged_in(journalist_client, journalist, clock)
    assert stored.filename in web.get(f"/col/{first.filesystem_id}").get_data(as_text=True)

    unstar = client.queue("source_unstarred", client.source_target(first.uuid))
    drop = client.queue("item_deleted", client.item_target(first.message_uuid or ""))
    trim = client.queue("source_conversation_truncated", client.source_target(second.uuid), {"upper_bound": 1})
    result = client.sync()
    assert [result.events[e.id][0] for e in (unstar, drop, trim)] == [200, 200, 200]
    assert first.message_uuid not in client.items and second.message_uuid not in client.items
    assert client.sources[first.uuid]["is_starred"] is False
    assert count_rows(services, Submission, Submission.uuid.in_([first.message_uuid, second.message_uuid])) == 0

    stale = client.queue("source_deleted", {"source_uuid": first.uuid, "version": ZERO})
    assert client.sync().events[stale.id][0] == 409
    assert count_rows(services, Source, Source.uuid == first.uuid) == 1
    client.pending.clear()
    gone = client.queue("source_deleted", client.source_target(first.uuid))
    assert client.sync().events[gone.id] == [200, None]
    assert first.uuid not in client.sources and reply_uuid not in client.items
    assert count_rows(services, Source, Source.uuid == first.uuid) == 0
    assert client.local_version() == index_etag(client)


def test_repeats_and_missing_targets(
    journalist_client: FlaskClient, services: Services, make_account: Callable[..., Account], journalist: Account,
    clock: Clock,
    newsroom: list[SeededSource],
) -> None:
    client = inbox(journalist_client, journalist, clock)
    client.sync()
    first = newsroom[0]
    event = client.queue("source_starred", client.source_target(first.uuid))
    wire = [event.wire()]
    assert client.sync().events[event.id] == [200, None]
    again = client.post("/api/v2/data", {"events": wire}).get_json()
    assert again == {"sources": {}, "items": {}, "journalists": {}, "events": {event.id: [208, None]}}

    # The event id is the key whoever sends it: another journalist's retry is a repeat too.
    other = make_account("other")
    second = inbox(journalist_client, other, clock)
    assert second.post("/api/v2/data", {"events": wire}).get_json()["events"] == {event.id: [208, None]}

    nobody = str(uuid.uuid4())
    cases = {
        "source_starred": ({"source_uuid": nobody, "version": ZERO}, None, 404),
        "source_conversation_seen": ({"source_uuid": nobody, "version": ZERO}, {"upper_bound": 1}, 410),
        "item_deleted": ({"item_uuid": nobody, "version": ZERO}, None, 410),
        "item_seen": ({"item_uuid": nobody, "version": ZERO}, None, 501),
        "reply_sent": ({"source_uuid": first.uuid, "version": ZERO}, {"uuid": first.message_uuid, "reply": ARMOR}, 409),
    }
    events = {kind: client.queue(kind, target, data) for kind, (target, data, _status) in cases.items()}
    plain = client.queue("reply_sent", {"source_uuid": first.uuid, "version": ZERO},
                         {"uuid": str(uuid.uuid4()), "reply": "not encrypted"})
    replies_before = count_rows(services, Reply)
    result = client.sync()
    assert {kind: result.events[e.id][0] for kind, e in events.items()} == {k: c[2] for k, c in cases.items()}
    assert result.events[plain.id][0] == 400
    assert count_rows(services, Reply) == replies_before
    # A failed event leaves no trace of its id: once its cause is fixed, the retry applies.
    retried = client.post("/api/v2/data", {"events": [{**plain.wire(), "target": client.source_target(first.uuid),
                                                      "data": {"uuid": str(uuid.uuid4()), "reply": "still not"}}]})
    assert retried.get_json()["events"][plain.id][0] == 400


def _valid_event(source_uuid: str) -> dict[str, object]:
    return {"id": snowflake(), "type": "source_starred", "target": {"source_uuid": source_uuid, "version": ZERO},
            "data": None}


@pytest.mark.parametrize(("body", "status"), [
    (b"{not json", 400),
    (b"[]", 422),
    (json.dumps({"sources": [], "surprise": []}).encode(), 422),
    (json.dumps({"sources": "all"}).encode(), 422),
    (json.dumps({"items": ["not-a-uuid"]}).encode(), 422),
    (json.dumps({"events": [{"id": "12x", "type": "source_starred", "target": {}, "data": None}]}).encode(), 400),
    (json.dumps({"events": [{"id": "1", "type": "source_renamed",
                             "target": {"source_uuid": str(uuid.uuid4()), "version": ZERO}}]}).encode(), 400),
    (json.dumps({"events": [{"id": "1", "type": "source_starred",
                             "target": {"source_uuid": "nope", "version": ZERO}}]}).encode(), 400),
    (json.dumps({"events": [{"id": "1", "type": "item_deleted",
                             "target": {"source_uuid": str(uuid.uuid4()), "version": ZERO}}]}).encode(), 400),
    (json.dumps({"events": [{"id": "1", "type": "source_conversation_seen",
                             "target": {"source_uuid": str(uuid.uuid4()), "version": ZERO},
                             "data": {"upper_bound": -1}}]}).encode(), 400),
])
def test_bad_bodies_change_nothing(
    journalist_client: FlaskClient, services: Services, journalist: Account, clock: Clock,
    newsroom: list[SeededSource], body: bytes, status: int,
) -> None:
    client = inbox(journalist_client, journalist, clock)
    before = index_etag(client)
    # A valid event rides along where the body is still an object: it must not apply either.
    if body.startswith(b"{\"events\""):
        parsed = json.loads(body)
        parsed["events"].insert(0, _valid_event(newsroom[0].uuid))
        body = json.dumps(parsed).encode()
    response = client.http.post("/api/v2/data", data=body, headers=client.headers())
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    assert set(response.get_json()) == {"error", "message"}
    assert index_etag(client) == before


def test_batches_over_fifty_and_duplicate_ids_apply_nothing(
    journalist_client: FlaskClient, journalist: Account, clock: Clock, newsroom: list[SeededSource],
) -> None:
    client = inbox(journalist_client, journalist, clock)
    before = index_etag(client)
    events = [_valid_event(newsroom[0].uuid) for _ in range(51)]
    assert client.post("/api/v2/data", {"events": events}).status_code == 429
    twice = _valid_event(newsroom[0].uuid)
    assert client.post("/api/v2/data", {"events": [twice, twice]}).status_code == 400
    assert client.post("/api/v2/metadata", {"events": [twice]}).status_code == 400
    low = client.http.post("/api/v2/data", data=json.dumps({"events": [twice]}),
                           headers=client.headers({"Prefer": "securedrop=2"}))
    assert low.status_code == 400
    assert index_etag(client) == before
    assert client.post("/api/v2/data", {"events": events[:50]}).status_code == 200


def test_web_changes_move_the_index_version_and_nothing_else_does(
    journalist_client: FlaskClient, source_client: FlaskClient, services: Services, journalist: Account,
    clock: Clock, newsroom: list[SeededSource],
) -> None:
    from securedrop import worker

    client = inbox(journalist_client, journalist, clock)
    client.sync()
    version = index_etag(client)

    # Reading, logging in, the v1 listings and the worker change no record.
    web = logged_in(journalist_client, journalist, clock)
    assert web.get("/").status_code == 200
    assert web.get(f"/col/{newsroom[0].filesystem_id}").status_code == 200
    inbox(journalist_client, journalist, clock)
    assert client.get("/api/v1/sources").status_code == 200
    worker.run_once(services, passes=1)
    codename = source_journey.create(source_client)  # a pending source is not listed
    assert index_etag(client) == version
    assert client.sync().status == 304

    # A source's new submission, a web reply, a web delete: each one shows.
    assert source_journey.submit(source_client, message="A new lead.").status_code == 302
    moved = index_etag(client)
    assert moved != version
    assert client.sync().status == 200 and client.local_version() == moved

    reply = post(web, "/reply", {"filesystem_id": newsroom[1].filesystem_id, "message": "Noted."})
    assert reply.status_code == 302
    assert index_etag(client) != moved
    client.sync()
    assert any(i["kind"] == "reply" and i["source"] == newsroom[1].uuid for i in client.items.values())

    deleted = post(web, f"/col/delete/{newsroom[1].filesystem_id}")
    assert deleted.status_code == 302
    client.sync()
    assert newsroom[1].uuid not in client.sources
    assert client.sync().status == 304

    # The source reads the Inbox's reply on /lookup.
    new_source = next(u for u in client.sources if u not in {s.uuid for s in newsroom})
    key = client.sources[new_source]["public_key"]
    with services.sessions() as session:
        fingerprint = session.scalar(select(Source.fingerprint).where(Source.uuid == new_source))
    assert fingerprint is not None
    submission_key = services.pgp.export_submission_key()
    armored = encrypt_armored("Please send the rest.", [key, submission_key], services.settings.tmp_dir)
    event = client.queue("reply_sent", client.source_target(new_source), {"uuid": str(uuid.uuid4()), "reply": armored})
    assert client.sync().events[event.id] == [200, None]
    source_journey.logout(source_client)
    assert source_journey.login(source_client, codename).status_code == 302
    assert "Please send the rest." in source_client.get("/lookup").get_data(as_text=True)


def test_downloads_resume_with_range(
    journalist_client: FlaskClient, services: Services, journalist: Account, clock: Clock,
) -> None:
    seeded = seed_source(services, message=None, document=bytes(range(256)) * 400)
    client = inbox(journalist_client, journalist, clock)
    client.sync()
    item = seeded.document_uuid or ""
    whole = client.download(item)
    resumed = client.download(item, have=whole[: len(whole) // 3])
    assert resumed == whole

    path = client.download_path(item)
    size = len(whole)
    middle = client.get(path, {"Range": "bytes=10-19"})
    assert (middle.status_code, middle.headers["Content-Range"], middle.get_data()) == (
        206, f"bytes 10-19/{size}", whole[10:20])
    tail = client.get(path, {"Range": "bytes=-5"})
    assert (tail.status_code, tail.get_data()) == (206, whole[-5:])
    for bad in (f"bytes={size}-", "bytes=0-1,5-6", "bytes=9-3", "pages=1-2", "bytes=abc"):
        refused = client.get(path, {"Range": bad})
        assert refused.status_code == 416, bad
        assert refused.headers["Content-Type"] == "application/json"
        # RFC 9110: the size, so a client can ask again for what exists.
        assert refused.headers["Content-Range"] == f"bytes */{size}", bad
    # An If-Range naming another version: the whole current file, never a mismatched tail.
    other = client.get(path, {"Range": "bytes=100-", "If-Range": "sha256:" + ZERO})
    assert (other.status_code, other.get_data()) == (200, whole)

    web = logged_in(journalist_client, journalist, clock)
    with services.sessions() as session:
        filename = session.scalar(select(Submission.filename).where(Submission.uuid == item))
    page = web.get(f"/col/{seeded.filesystem_id}/{filename}", headers={"Range": f"bytes={size - 7}-"})
    assert (page.status_code, page.get_data()) == (206, whole[-7:])
    assert page.headers["Accept-Ranges"] == "bytes"
    past_the_end = web.get(f"/col/{seeded.filesystem_id}/{filename}", headers={"Range": f"bytes={size}-"})
    assert (past_the_end.status_code, past_the_end.headers["Content-Range"]) == (416, f"bytes */{size}")


def test_shards_minors_auth_and_request_ids(
    journalist_client: FlaskClient, journalist: Account, clock: Clock, newsroom: list[SeededSource],
) -> None:
    client = inbox(journalist_client, journalist, clock)
    client.sync()
    first = newsroom[0].uuid
    shard = client.get(f"/api/v2/index/{first[:2]},{first[:1]}")
    body = shard.get_json()
    assert first in body["sources"] and set(body["journalists"]) == set(client.journalists)
    assert all(client.items[i]["source"] in body["sources"] for i in body["items"])
    assert shard.headers["ETag"] == f'"{canonical_hash(body)}"'
    assert client.get(f"/api/v2/index/{first}").status_code == 422
    assert client.get("/api/v2/index/XYZ").status_code == 422

    old = client.get("/api/v2/index", {"Prefer": "securedrop=0"}).get_json()
    assert set(old) == {"sources", "items"}
    assert client.get("/api/v2/index", {"Prefer": "securedrop=banana"}).headers["ETag"].strip('"') == \
        client.local_version()
    quoted = client.get("/api/v2/index", {"If-None-Match": f'W/"{client.local_version()}"'})
    assert quoted.status_code == 304

    for odd in ("/api/v2//index", "/api/v2/index/", "/api/v2/index/0//1"):
        assert client.get(odd).status_code == 404, odd  # never a redirect
    bad_id = client.get("/api/v2/index", {"X-Request-ID": "req-<script>"})
    assert "X-Request-ID" not in bad_id.headers
    for path in ("/api/v2/index", "/api/v2/data"):
        anonymous = journalist_client.open(path, method="GET" if path.endswith("index") else "POST",
                                           headers={"Authorization": "Token nope"}, data=b"{}")
        assert anonymous.status_code == 403 and anonymous.get_json()["error"] == "Forbidden"


def test_a_failing_event_costs_only_itself(
    journalist_client: FlaskClient, journalist: Account, clock: Clock, newsroom: list[SeededSource],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import securedrop.domain.events

    def broken(*_args: object) -> None:
        raise RuntimeError("a bug")

    client = inbox(journalist_client, journalist, clock)
    client.sync()
    monkeypatch.setattr(securedrop.domain.events, "set_starred", broken)
    star = client.queue("source_starred", client.source_target(newsroom[0].uuid))
    seen = client.queue("source_conversation_seen", client.source_target(newsroom[1].uuid), {"upper_bound": 9})
    result = client.sync()
    assert (result.events[star.id], result.events[seen.id]) == ([500, None], [200, None])
    assert client.sources[newsroom[1].uuid]["is_seen"] is True
    assert client.sources[newsroom[0].uuid]["is_starred"] is False
    monkeypatch.undo()
    assert client.sync().events[star.id] == [200, None]  # retried with the same id: nothing was kept


def test_the_retention_job_moves_the_index_version(
    journalist_client: FlaskClient, services: Services, journalist: Account, clock: Clock,
    newsroom: list[SeededSource],
) -> None:
    from datetime import timedelta

    from securedrop import worker
    from securedrop.domain import retention
    from securedrop.models.base import utcnow

    with db.unit_of_work(services.sessions) as session:
        retention.set_retention_period(session, 30)
        old = session.scalar(select(Source).where(Source.uuid == newsroom[0].uuid))
        assert old is not None
        old.last_activity = utcnow() - timedelta(days=31)
    client = inbox(journalist_client, journalist, clock)
    client.sync()
    version = index_etag(client)
    assert client.sync().status == 304

    worker.run_once(services, passes=1)
    assert index_etag(client) != version
    assert client.sync().status == 200
    assert newsroom[0].uuid not in client.sources and newsroom[1].uuid in client.sources
    assert client.local_version() == index_etag(client)
