"""Journalist API v1 and v2 with 10,000 sources (real-size keys) and 30,000 submissions, p50 ms.

v1: GET /api/v1/sources and /submissions. v2: GET /api/v2/index (cold, cached, after one
change elsewhere, and the 304), and POST /api/v2/data for 500 records.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import shutil
import statistics
from datetime import UTC, datetime
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bench.common import SOURCES, SUBMISSIONS_PER_SOURCE, Row, p50_ms, scratch_deployment, seed_newsroom
from securedrop import db
from securedrop.crypto import otp, passwords
from securedrop.crypto.openpgp import OpenPGP
from securedrop.domain.tokens import issue_token
from securedrop.models import Source, Submission
from securedrop.models.journalists import Journalist
from securedrop.services import Services

SOURCES_TARGET_MS = 1000.0
INDEX_TARGET_MS = 300.0
NOT_MODIFIED_TARGET_MS = 30.0
DATA_TARGET_MS = 500.0
DATA_RECORDS = 500
RESUME_MIB = 100


def _real_public_key(workdir: Path) -> str:
    """One real Curve25519 source key from gpg; its armored text is reused by every row
    (each with its own fake fingerprint): listings never run gpg, so only the size matters."""
    pgp = OpenPGP(workdir / "keys", workdir / "tmp")
    return pgp.generate_source_key(base64.b32encode(secrets.token_bytes(64)).decode()).public_key


def _seed(factory: sessionmaker[Session], public_key: str) -> str:
    with db.unit_of_work(factory) as session:
        journalist = Journalist(username="bench", passphrase_hash=passwords.hash_passphrase(secrets.token_hex(16)),
                                otp_secret=otp.new_totp_secret(), is_totp=True)
        session.add(journalist)
        session.flush()
        seed_newsroom(session, journalist.id, public_key)
        return issue_token(session, journalist, datetime.now(UTC)).token


def run() -> list[Row]:
    from securedrop.journalist_app import create_app

    workdir, settings, services = scratch_deployment("bench-api-")
    try:
        token = _seed(services.sessions, _real_public_key(workdir))
        client = create_app(settings, services).test_client()
        headers = {"Authorization": f"Token {token}", "Accept": "application/json"}

        def get(path: str, key: str, expected: int) -> None:
            response = client.get(path, headers=headers)
            assert response.status_code == 200, response.status_code
            assert len(response.get_json()[key]) == expected

        get("/api/v1/sources", "sources", SOURCES)  # warm up
        sources_p50, _ = p50_ms(lambda: get("/api/v1/sources", "sources", SOURCES), 7)
        submissions_p50, _ = p50_ms(
            lambda: get("/api/v1/submissions", "submissions", SOURCES * SUBMISSIONS_PER_SOURCE), 7
        )
        size_mb = len(client.get("/api/v1/sources", headers=headers).get_data()) / 1e6
        v2_rows = _v2(client, {**headers, "Prefer": "securedrop=4", "Content-Type": "application/json"}, services)
        v2_rows.append(_resume(client, headers, services))
        services.engine.dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    note = f"{SOURCES:,} sources with real-size keys, SQLite, Flask test client, incl. JSON decode"
    return [
        Row("API GET /api/v1/sources (p50)", sources_p50, "ms", f"<= {SOURCES_TARGET_MS:.0f} ms",
            sources_p50 <= SOURCES_TARGET_MS, f"{note}; {size_mb:.1f} MB body"),
        Row("API GET /api/v1/submissions (p50)", submissions_p50, "ms",
            note=f"{SOURCES * SUBMISSIONS_PER_SOURCE:,} submissions, seen_by aggregated"),
        *v2_rows,
    ]


def _toggle_star(services: Services, source_uuid: str) -> None:
    """A change made elsewhere (as the web pages would): the next index must see it."""
    with db.unit_of_work(services.sessions) as session:
        source = session.scalar(select(Source).where(Source.uuid == source_uuid))
        assert source is not None
        source.is_starred = not source.is_starred


def _resume(client: FlaskClient, headers: dict[str, str], services: Services) -> Row:
    """A 100 MiB document whose download stopped at 40%: the rest with `Range: bytes=N-`."""
    with db.unit_of_work(services.sessions) as session:
        source = session.scalar(select(Source).order_by(Source.id).limit(1))
        assert source is not None
        fsid, source_uuid, source_id = source.filesystem_id, source.uuid, source.id
        staged = services.store.stage(fsid, lambda out: out.write_bytes(os.urandom(RESUME_MIB << 20)))
        filename = f"{SUBMISSIONS_PER_SOURCE + 1}-{source.journalist_filename}-doc.gz.gpg"
        services.store.place(staged, fsid, filename)
        row = Submission(source_id=source_id, filename=filename, size=staged.size, checksum=staged.checksum)
        session.add(row)
        session.flush()
        path = f"/api/v1/sources/{source_uuid}/submissions/{row.uuid}/download"
    cut = (RESUME_MIB << 20) * 2 // 5
    head = client.get(path, headers={**headers, "Range": f"bytes=0-{cut - 1}"})
    assert head.status_code == 206
    have = head.get_data()
    tail: list[bytes] = []

    def resume() -> None:
        response = client.get(path, headers={**headers, "Range": f"bytes={len(have)}-"})
        assert response.status_code == 206, response.status_code
        tail.append(response.get_data())

    resume_ms, _ = p50_ms(resume, 1)
    whole = have + tail[0]
    assert "sha256:" + hashlib.sha256(whole).hexdigest() == head.headers["Etag"] == staged.checksum
    return Row(f"API v1 download resume, {RESUME_MIB} MiB at 40%", resume_ms, "ms",
               note=f"{len(tail[0]) >> 20} MiB tail via Range: bytes=N-, whole file matches the sha256 Etag")


def _v2(client: FlaskClient, headers: dict[str, str], services: Services) -> list[Row]:
    def index(expected: int, extra: dict[str, str] | None = None) -> str:
        response = client.get("/api/v2/index", headers={**headers, **(extra or {})})
        assert response.status_code == expected, response.status_code
        return response.headers["ETag"].strip('"')

    cold_ms, _ = p50_ms(lambda: index(200), 1)  # this app's first index: every record hashed
    cached_ms, _ = p50_ms(lambda: index(200), 7)
    etag = index(200)
    not_modified_ms, _ = p50_ms(lambda: index(304, {"If-None-Match": etag}), 15)
    uuids = list(client.get("/api/v2/index", headers=headers).get_json()["sources"])
    changed_samples = []
    for n in range(7):
        _toggle_star(services, uuids[n * 97])
        changed_samples.append(p50_ms(lambda: index(200), 1)[0])
    changed_ms = statistics.median(changed_samples)
    body = client.get("/api/v2/index", headers=headers).get_json()
    wanted = {"sources": list(body["sources"])[: DATA_RECORDS // 2],
              "items": list(body["items"])[: DATA_RECORDS // 2], "journalists": [], "events": []}

    def data() -> None:
        response = client.post("/api/v2/data", headers=headers, data=json.dumps(wanted))
        assert response.status_code == 200, response.status_code
        assert len(response.get_json()["sources"]) == DATA_RECORDS // 2

    data()
    data_ms, _ = p50_ms(data, 7)
    scale = f"{SOURCES:,} sources, {SOURCES * SUBMISSIONS_PER_SOURCE:,} submissions"
    return [
        Row("API GET /api/v2/index (p50)", changed_ms, "ms", f"<= {INDEX_TARGET_MS:.0f} ms",
            changed_ms <= INDEX_TARGET_MS, f"{scale}; one source changed before each request"),
        Row("API GET /api/v2/index, unchanged (p50)", cached_ms, "ms", note="served from the cached snapshot"),
        Row("API GET /api/v2/index, first (cold)", cold_ms, "ms", note="every record read and hashed once"),
        Row("API GET /api/v2/index 304 (p50)", not_modified_ms, "ms", f"<= {NOT_MODIFIED_TARGET_MS:.0f} ms",
            not_modified_ms <= NOT_MODIFIED_TARGET_MS, "If-None-Match current"),
        Row(f"API POST /api/v2/data, {DATA_RECORDS} records (p50)", data_ms, "ms", f"<= {DATA_TARGET_MS:.0f} ms",
            data_ms <= DATA_TARGET_MS, f"{DATA_RECORDS // 2} sources + {DATA_RECORDS // 2} items"),
    ]


if __name__ == "__main__":
    from bench.common import print_table, scratch_deployment

    print_table(run())
