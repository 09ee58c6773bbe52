"""Journalist API v1: GET /api/v1/sources (10,000 sources with keys) and /submissions (30,000), p50 ms."""

from __future__ import annotations

import base64
import secrets
import shutil
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from bench.common import SOURCES, SUBMISSIONS_PER_SOURCE, Row, p50_ms, scratch_deployment, seed_newsroom
from securedrop import db
from securedrop.crypto import otp, passwords
from securedrop.crypto.openpgp import OpenPGP
from securedrop.domain.tokens import issue_token
from securedrop.models.journalists import Journalist

SOURCES_TARGET_MS = 1000.0


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
        services.engine.dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    note = f"{SOURCES:,} sources with real-size keys, SQLite, Flask test client, incl. JSON decode"
    return [
        Row("API GET /api/v1/sources (p50)", sources_p50, "ms", f"<= {SOURCES_TARGET_MS:.0f} ms",
            sources_p50 <= SOURCES_TARGET_MS, f"{note}; {size_mb:.1f} MB body"),
        Row("API GET /api/v1/submissions (p50)", submissions_p50, "ms",
            note=f"{SOURCES * SUBMISSIONS_PER_SOURCE:,} submissions, seen_by aggregated"),
    ]


if __name__ == "__main__":
    from bench.common import print_table, scratch_deployment

    print_table(run())
