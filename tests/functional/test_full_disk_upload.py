"""A document that does not fit on the data directory's disk leaves no part of itself
behind and leaks nothing, whatever stage runs out of space.

test_full_disk.py covers the refusal of a nearly full disk with the app's own page;
here the disk has room enough to pass that check (or not) and really runs out while
a real gunicorn handles the upload: once while the encrypted upload spool fills as
the body arrives, once when the spool fits but the encrypted copy being stored does
not. Real gunicorn, gpg and SQLite on a small tmpfs; needs root for `mount`.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from securedrop import config
from securedrop.models import Source, Submission
from securedrop.services import build_services
from tests.conftest import SubmissionKey, stop_gpg_daemons
from tests.functional.live_server import LiveServer, prepare_data_dir
from tests.functional.source_journey import StreamingMultipart, csrf_over_http, new_source_over_http

MiB = 1024 * 1024
TMPFS_BYTES = 24 * MiB
DOCUMENT_BYTES = 4 * MiB


@pytest.fixture
def small_data_dir(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_BYTES},mode=0700", "tmpfs", str(data_dir)],
                   check=True)
    try:
        yield data_dir
    finally:
        # gpg-agent keeps the keyring directory open; it is this test's own agent.
        stop_gpg_daemons(data_dir / "keys")
        subprocess.run(["umount", str(data_dir)], check=True)


def _fill(data_dir: Path, leave: int) -> Path:
    """A file taking all of the tmpfs's free space but `leave` bytes."""
    filler = data_dir / "filler"
    stat = os.statvfs(data_dir)
    with filler.open("wb") as handle:
        handle.truncate(0)
        remaining = stat.f_bavail * stat.f_frsize - leave
        block = b"\0" * MiB
        while remaining > 0:
            remaining -= handle.write(block[: min(MiB, remaining)])
    return filler


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("free_bytes", [2 * MiB, 6 * MiB], ids=["spool-does-not-fit", "stored-copy-does-not-fit"])
def test_a_document_that_does_not_fit_leaves_nothing_behind(
    small_data_dir: Path, submission_key: SubmissionKey, free_bytes: int
) -> None:
    env = prepare_data_dir(small_data_dir, submission_key.public)
    settings = config.load(env)
    marker = os.urandom(16).hex().encode()
    # Incompressible, so gzip does not shrink the stored copy, with a marker throughout.
    document = b"".join(marker + os.urandom(64 * 1024 - len(marker)) for _ in range(DOCUMENT_BYTES // (64 * 1024)))

    with LiveServer("source_app", env) as server:
        http = new_source_over_http(server.url)
        token = csrf_over_http(http, server.url + "/lookup")
        before = set(_files(small_data_dir))
        filler = _fill(small_data_dir, free_bytes)
        body = StreamingMultipart({"csrf_token": token, "msg": ""}, "fh", "secret.bin",
                                  (document[i: i + MiB] for i in range(0, DOCUMENT_BYTES, MiB)), DOCUMENT_BYTES)
        try:
            answer: requests.Response | None = http.post(
                server.url + "/submit", data=body, headers={"Content-Type": body.content_type}, timeout=120,
                allow_redirects=False)
        except requests.ConnectionError:
            answer = None  # the server gave up on the body part-way: also a refusal
        if answer is not None:
            assert answer.status_code >= 400, answer.status_code
            for leak in (str(small_data_dir), "Traceback", "No space", "Errno", "OSError"):
                assert leak not in answer.text
        filler.unlink()

        # Nothing partial: no new file but the database's and gpg's own state, no spool, no row.
        new = {p for p in set(_files(small_data_dir)) - before
               if not p.name.startswith("db.sqlite") and settings.keyring_dir not in p.parents}
        assert new == set(), new
        assert list(settings.tmp_dir.iterdir()) == []
        assert not any(p.is_file() for p in settings.store_dir.rglob("*"))
        services = build_services(settings)
        try:
            with services.sessions() as session:
                assert session.scalar(select(func.count()).select_from(Submission)) == 0
                assert session.scalars(select(Source.pending)).one() is True
        finally:
            services.engine.dispose()
        # Nothing leaks: the document's plaintext is in no file on the disk.
        for path in _files(small_data_dir):
            assert marker not in path.read_bytes(), path

        # With space again the same source can send it.
        token = csrf_over_http(http, server.url + "/lookup")
        body = StreamingMultipart({"csrf_token": token, "msg": ""}, "fh", "secret.bin", iter([document]),
                                  DOCUMENT_BYTES)
        retry = http.post(server.url + "/submit", data=body, headers={"Content-Type": body.content_type},
                          timeout=120, allow_redirects=False)
        assert retry.status_code == 302
        assert len(_files(settings.store_dir)) == 1
