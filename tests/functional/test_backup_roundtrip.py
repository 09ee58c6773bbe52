"""Back up a live newsroom while sources submit, restore it elsewhere, and use it (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from securedrop import integrity
from securedrop.backup.manifest import Manifest
from securedrop.domain.instance import current_config
from securedrop.models import SeenFile, Source
from securedrop.models.onion_keys import OnionClientKey
from securedrop.onion.address import address_of_service_key
from tests.conftest import SubmissionKey, csrf_from, scratch_postgres_database
from tests.functional import journalist_journey, source_journey
from tests.functional.backup_world import LOGO, ORGANIZATION, Newsroom, run_cli, seed
from tests.functional.journalist_journey import Clock
from tests.functional.live_server import LiveServer


@pytest.fixture
def empty_database_url(database_url: str) -> Iterator[str | None]:
    """Where the restore goes: None (SQLite in the new data dir) or an empty PostgreSQL database."""
    if database_url.startswith("sqlite"):
        yield None
        return
    with scratch_postgres_database("sd_restore") as url:
        yield url


class Submitter(threading.Thread):
    """A stream of new sources, each submitting one message over HTTP to gunicorn."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base = base
        self.stop = threading.Event()
        self.accepted = 0
        self.failures: list[str] = []
        self.longest = 0.0

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                http = source_journey.new_source_over_http(self.base)
                token = csrf_from(http.get(self.base + "/lookup", timeout=60).text, "/lookup")
                started = time.monotonic()
                response = http.post(self.base + "/submit", data={"csrf_token": token, "msg": "racing the backup"},
                                     timeout=60)
                self.longest = max(self.longest, time.monotonic() - started)
                if response.status_code == 200 or response.status_code == 302:
                    self.accepted += 1
                else:
                    self.failures.append(f"/submit answered {response.status_code}")
            except requests.RequestException as exc:
                self.failures.append(repr(exc))


def _restored_env(tmp_path: Path, url: str | None) -> dict[str, str]:
    import os

    # A short name: gpg-agent's socket path (under <data dir>/tmp/gpg-*) must fit in 107 bytes.
    env = {**os.environ, "SECUREDROP_DATA_DIR": str(tmp_path / "new")}
    env.pop("SECUREDROP_CONFIG", None)
    if url:
        env["SECUREDROP_DATABASE_URL"] = url
    return env


def test_round_trip_during_submissions(tmp_path: Path, database_url: str, empty_database_url: str | None,
                                       submission_key: SubmissionKey) -> None:
    room = seed(tmp_path / "data", submission_key.public, database_url)
    seeded_files = room.store_digests()
    archive = tmp_path / "backups" / "newsroom.tar"
    with LiveServer("source_app", room.env) as server:
        submitter = Submitter(server.url)
        submitter.start()
        while submitter.accepted < 1 and not submitter.failures:
            time.sleep(0.05)
        made = run_cli(room.env, "backup", "--output", str(archive))
        submitter.stop.set()
        submitter.join(timeout=120)
    assert made.returncode == 0, made.stderr
    assert "NOT encrypted" in made.stderr
    assert archive.stat().st_mode & 0o777 == 0o600
    assert submitter.failures == [] and submitter.accepted >= 1
    all_files = room.store_digests()
    room.close()

    env = _restored_env(tmp_path, empty_database_url)
    restored_run = run_cli(env, "restore", str(archive))
    assert restored_run.returncode == 0, restored_run.stderr
    assert f"http://{room.source_onion}.onion/" in restored_run.stdout
    restored = Newsroom.load({**env, "SECUREDROP_DATABASE_URL": empty_database_url} if empty_database_url else env)
    try:
        # Byte-identical store: everything seeded, and of the racing submissions only
        # those whose rows the snapshot holds (integrity finds no row without file or
        # file without row, so each racing submission is wholly in or wholly out).
        files = restored.store_digests()
        assert seeded_files.items() <= files.items() <= all_files.items()
        report = integrity.find(restored.services.sessions, restored.services.store, restored.settings.tmp_dir)
        assert report.findings == []

        for fsid, codename in room.codenames.items():
            client = restored.source_client()
            response = source_journey.login(client, codename)
            assert response.status_code == 302, f"source {fsid[:8]} cannot log in with its codename"
            assert room.replies[fsid] in client.get("/lookup").get_data(as_text=True)

        admin, reporter = room.accounts
        clock = Clock()
        # Past the TOTP step the seeding login spent (it may be less than 30 s ago): a
        # restored account refuses that code again, as it should.
        clock.advance(90)
        client = restored.journalist_client(clock)
        assert journalist_journey.login(client, admin, clock).status_code == 302
        client = restored.journalist_client(clock)
        used = reporter.code(clock.now, 0)
        assert journalist_journey.login(client, reporter, clock, code=used).status_code != 302  # spent before
        assert journalist_journey.login(client, reporter, clock, code=reporter.code(clock.now, 1)).status_code == 302

        with restored.services.sessions() as session:
            assert current_config(session).organization_name == ORGANIZATION
            starred = session.scalars(select(Source.filesystem_id).where(Source.is_starred)).all()
            assert starred == [next(iter(room.codenames))]
            assert session.scalar(select(func.count()).select_from(SeenFile)) == 1
            assert session.scalar(select(func.count()).select_from(OnionClientKey)) == 1
        assert (restored.settings.data_dir / "custom_logo.png").read_bytes() == LOGO
        onion_dir = restored.settings.onion_dir
        assert address_of_service_key((onion_dir / "source.key").read_text()) == room.source_onion
        assert (onion_dir / "journalist.key").read_bytes() == (room.settings.onion_dir / "journalist.key").read_bytes()
        assert (onion_dir / "source.key").stat().st_mode & 0o777 == 0o600
    finally:
        restored.close()


def test_restore_refuses_an_instance_in_use(tmp_path: Path, database_url: str, submission_key: SubmissionKey) -> None:
    room = seed(tmp_path / "data", submission_key.public, database_url, sources=1)
    archive = tmp_path / "b.tar"
    assert run_cli(room.env, "backup", "--quiet", "--output", str(archive)).returncode == 0
    before = room.store_digests()
    refused = run_cli(room.env, "restore", str(archive))
    assert refused.returncode == 2
    assert "needs a fresh install" in refused.stderr
    assert room.store_digests() == before
    room.close()


def test_manifest_records_versions_and_every_member(tmp_path: Path, database_url: str,
                                                     submission_key: SubmissionKey) -> None:
    import tarfile

    room = seed(tmp_path / "data", submission_key.public, database_url, sources=1)
    archive = tmp_path / "b.tar"
    assert run_cli(room.env, "backup", "--quiet", "--output", str(archive)).returncode == 0
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest_file = tar.extractfile("manifest.json")
        assert manifest_file is not None
        manifest = Manifest.from_bytes(manifest_file.read())
    assert names[-1] == "manifest.json"
    assert set(manifest.members) == set(names[:-1])
    assert {"config/settings.json", "keys/submission.asc", "onion/source.key", "instance/custom_logo.png"} <= set(names)
    assert manifest.source_onion == room.source_onion
    assert not any(name.startswith(("tmp/", "shredder/")) for name in names)
    room.close()
