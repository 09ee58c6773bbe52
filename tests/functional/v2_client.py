"""A Journalist API v2 client written from the contract (../shared/API_V2.md), not from our server.

It behaves like the SecureDrop Inbox: logs in with `Prefer: securedrop=4`, keeps a local
store of records, re-hashes every record it receives and its own index by the contract's
rule, syncs (index, then data with queued events), and downloads through v1 with Range.
Every contract rule that would break the Inbox's sync is an assertion here.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

PREFER = {"Prefer": "securedrop=4"}
DESIGNATION = re.compile(r"[a-z'-]+ [a-z'-]+")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}")
FINGERPRINT = re.compile(r"[0-9A-F]{40}")
SOURCE_KEYS = {"uuid", "journalist_designation", "is_starred", "is_seen", "has_attachment", "last_updated",
               "public_key", "fingerprint"}
SUBMISSION_KEYS = {"kind", "uuid", "source", "size", "is_read", "seen_by", "interaction_count"}
REPLY_KEYS = {"kind", "uuid", "source", "size", "journalist_uuid", "is_deleted_by_source", "seen_by",
              "interaction_count"}
JOURNALIST_KEYS = {"uuid", "username", "first_name", "last_name"}
_sequence = itertools.count()


def canonical_hash(value: Any) -> str:
    """§3: BLAKE2s-256 of JSON with sorted keys, no whitespace, raw UTF-8."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.blake2s(text.encode("utf-8")).hexdigest()


def is_uuid4(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return False
    return parsed.version == 4 and str(parsed) == value


def snowflake() -> str:
    """A time-ordered decimal id, as the Inbox makes them."""
    return str((time.time_ns() // 1_000_000) << 22 | (next(_sequence) & 0x3FFFFF))


@dataclass
class Event:
    id: str
    type: str
    target: dict[str, str]
    data: Any = None

    def wire(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "target": self.target, "data": self.data}


@dataclass
class SyncResult:
    status: int  # of the index request: 200 or 304
    requests: int  # HTTP requests this sync made
    events: dict[str, list[Any]] = field(default_factory=dict)


class InboxClient:
    """Local state: records and their hashes, pending events, the token."""

    def __init__(self, http: FlaskClient) -> None:
        self.http = http
        self.token: str | None = None
        self.hints: dict[str, Any] | None = None
        self.sources: dict[str, dict[str, Any]] = {}
        self.items: dict[str, dict[str, Any]] = {}
        self.journalists: dict[str, dict[str, Any]] = {}
        self.pending: list[Event] = []
        self.request_id = f"req-{uuid.uuid4()}"

    # --- transport -------------------------------------------------------------------

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        base = {"Accept": "application/json", "Content-Type": "application/json", **PREFER,
                "X-Request-ID": self.request_id}
        if self.token:
            base["Authorization"] = f"Token {self.token}"
        return {**base, **(extra or {})}

    def get(self, path: str, extra: dict[str, str] | None = None) -> TestResponse:
        return self.http.get(path, headers=self.headers(extra))

    def post(self, path: str, body: Any) -> TestResponse:
        return self.http.post(path, data=json.dumps(body), headers=self.headers())

    # --- login -----------------------------------------------------------------------

    def login(self, username: str, passphrase: str, code: str) -> dict[str, Any]:
        # As the Inbox sends it: Prefer, and no Content-Type.
        response = self.http.post("/api/v1/token", headers=PREFER, data=json.dumps(
            {"username": username, "passphrase": passphrase, "one_time_code": code}))
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        assert is_uuid4(body["journalist_uuid"])
        hints = body["hints"]
        assert set(hints) == {"version", "sources", "items"}
        assert re.fullmatch(r"[0-9a-f]{64}", hints["version"])
        assert isinstance(hints["sources"], int) and isinstance(hints["items"], int)
        self.token, self.hints = body["token"], hints
        return body

    # --- local index -----------------------------------------------------------------

    def local_index(self) -> dict[str, dict[str, str]]:
        return {
            "sources": {u: canonical_hash(r) for u, r in self.sources.items()},
            "items": {u: canonical_hash(r) for u, r in self.items.items()},
            "journalists": {u: canonical_hash(r) for u, r in self.journalists.items()},
        }

    def local_version(self) -> str:
        return canonical_hash(self.local_index())

    # --- validation (each rule here breaks the Inbox's sync if the server gets it wrong) ---

    def _check_source(self, key: str, record: dict[str, Any]) -> None:
        assert set(record) == SOURCE_KEYS, sorted(record)
        assert record["uuid"] == key and is_uuid4(key)
        assert DESIGNATION.fullmatch(record["journalist_designation"])
        assert all(isinstance(record[k], bool) for k in ("is_starred", "is_seen", "has_attachment"))
        assert TIMESTAMP.fullmatch(record["last_updated"]), record["last_updated"]
        assert record["public_key"].startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")
        assert not record["public_key"].endswith("\n")
        assert FINGERPRINT.fullmatch(record["fingerprint"])
        known = self.sources.get(key)
        if known is not None:  # trust on first use
            assert (known["public_key"], known["fingerprint"]) == (record["public_key"], record["fingerprint"])

    def _check_item(self, key: str, record: dict[str, Any]) -> None:
        expected = REPLY_KEYS if record.get("kind") == "reply" else SUBMISSION_KEYS
        assert record.get("kind") in ("message", "file", "reply")
        assert set(record) == expected, sorted(record)
        assert record["uuid"] == key and is_uuid4(key) and is_uuid4(record["source"])
        assert isinstance(record["size"], int) and not isinstance(record["size"], bool)
        assert isinstance(record["interaction_count"], int) and record["interaction_count"] >= 1
        assert isinstance(record["seen_by"], list) and all(is_uuid4(j) for j in record["seen_by"])
        if record["kind"] != "reply":
            assert record["is_read"] is bool(record["seen_by"])
        known = self.items.get(key)
        if known is not None:
            assert (known["kind"], known["source"]) == (record["kind"], record["source"])

    def _check_journalist(self, key: str, record: dict[str, Any]) -> None:
        assert set(record) == JOURNALIST_KEYS and record["uuid"] == key and is_uuid4(key)

    # --- sync ------------------------------------------------------------------------

    def queue(self, kind: str, target: dict[str, str], data: Any = None) -> Event:
        event = Event(snowflake(), kind, target, data)
        self.pending.append(event)
        return event

    def source_target(self, source_uuid: str) -> dict[str, str]:
        return {"source_uuid": source_uuid, "version": canonical_hash(self.sources[source_uuid])}

    def item_target(self, item_uuid: str) -> dict[str, str]:
        return {"item_uuid": item_uuid, "version": canonical_hash(self.items[item_uuid])}

    def sync(self) -> SyncResult:
        """§6 steps 3-8 once; returns the index status and what the events got."""
        response = self.get("/api/v2/index", {"If-None-Match": self.local_version() if self.sources else ""})
        assert response.status_code in (200, 304), response.get_data(as_text=True)
        assert response.headers.get("X-Request-ID") == self.request_id
        result = SyncResult(response.status_code, 1)
        wanted: dict[str, list[str]] = {"sources": [], "items": [], "journalists": []}
        if response.status_code == 304:
            assert response.get_data() == b""
            if not self.pending:
                return result
        else:
            index = response.get_json()
            assert set(index) == {"sources", "items", "journalists"}
            assert response.headers["ETag"] == f'"{canonical_hash(index)}"'
            local = self.local_index()
            for kind in wanted:
                store = getattr(self, kind)
                for gone in set(store) - set(index[kind]):
                    del store[gone]
                wanted[kind] = sorted(u for u, v in index[kind].items() if local[kind].get(u) != v)
        batch, self.pending = self.pending[:20], self.pending[20:]
        reply = self.post("/api/v2/data", {**wanted, "events": [e.wire() for e in batch]})
        result.requests += 1
        assert reply.status_code == 200, reply.get_data(as_text=True)
        body = reply.get_json()
        assert set(body) == {"sources", "items", "journalists", "events"}
        self._apply(body, index if response.status_code == 200 else None)
        result.events = body["events"]
        # 200 and 410: done; 208: stop resending; anything else: retry later.
        self.pending[:0] = [e for e in batch if body["events"].get(e.id, [None])[0] not in (200, 208, 410)]
        return result

    def _apply(self, body: dict[str, Any], index: dict[str, dict[str, str]] | None) -> None:
        checks = {"sources": self._check_source, "items": self._check_item, "journalists": self._check_journalist}
        for kind, check in checks.items():
            store = getattr(self, kind)
            for key, record in body[kind].items():
                if record is None:
                    store.pop(key, None)
                    continue
                check(key, record)
                # The client ignores served versions and hashes what it got: they must agree.
                if index is not None and key in index[kind]:
                    assert canonical_hash(record) == index[kind][key], (kind, key, record)
                store[key] = record

    def sync_until_quiet(self) -> list[SyncResult]:
        results = [self.sync()]
        while self.pending and len(results) < 10:
            results.append(self.sync())
        return results

    # --- downloads (v1) --------------------------------------------------------------

    def download_path(self, item_uuid: str) -> str:
        item = self.items[item_uuid]
        kind = "replies" if item["kind"] == "reply" else "submissions"
        return f"/api/v1/sources/{item['source']}/{kind}/{item_uuid}/download"

    def download(self, item_uuid: str, have: bytes = b"") -> bytes:
        """Fetch the item, resuming after `have` with `Range: bytes=N-`; checks the sha256 ETag."""
        extra = {"Range": f"bytes={len(have)}-"} if have else {}
        response = self.get(self.download_path(item_uuid), extra)
        assert response.status_code == (206 if have else 200), response.status_code
        assert response.headers["Accept-Ranges"] == "bytes"
        assert response.headers["Content-Type"] == "application/pgp-encrypted"
        etag = response.headers["Etag"]
        assert etag.startswith("sha256:")
        data = have + response.get_data()
        assert hashlib.sha256(data).hexdigest() == etag.removeprefix("sha256:")
        assert len(data) == self.items[item_uuid]["size"]
        return data
