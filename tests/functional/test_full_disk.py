"""A full data directory: sources get a clear 503 page, nothing partial is stored, and
submissions work again once there is room (a real, small tmpfs as the data directory)."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from securedrop.config import Settings
from securedrop.services import Services, build_services
from securedrop.storage.space import used_share
from tests.conftest import SubmissionKey, make_settings
from tests.functional import source_journey

CANNOT_STORE = "The server cannot accept files right now; please try again later."


@pytest.fixture
def small_data_dir() -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    # A short path: gpg-agent's socket lives below it, and socket paths are limited to 108 bytes.
    mount = Path(tempfile.mkdtemp(prefix="sd-full-"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "--lazy", str(mount)], check=True)
        mount.rmdir()


@pytest.fixture
def full_disk_app(small_data_dir: Path, database_url: str, submission_key: SubmissionKey) -> Iterator[Flask]:
    from securedrop.source_app import create_app

    settings: Settings = make_settings(small_data_dir / "data", database_url)
    services: Services = build_services(settings)
    services.pgp.import_submission_key(submission_key.public)
    app = create_app(settings, services)
    app.config["TESTING"] = True
    yield app
    services.engine.dispose()


def _fill(directory: Path, share: float) -> Path:
    """A file that brings the filesystem to about `share` in use."""
    filler = directory / "filler"
    stats = os.statvfs(directory)
    total = stats.f_blocks * stats.f_frsize
    free = stats.f_bavail * stats.f_frsize
    wanted = int(total * share) - (total - free)
    with filler.open("wb") as out:
        out.write(b"\0" * max(0, wanted))
    return filler


def _store_files(data_dir: Path) -> list[Path]:
    return sorted(path for path in (data_dir / "store").rglob("*") if path.is_file())


def test_a_nearly_full_disk_refuses_submissions_with_a_clear_page_until_space_is_freed(
    full_disk_app: Flask, small_data_dir: Path
) -> None:
    client = full_disk_app.test_client()
    source_journey.create(client)
    before = _store_files(small_data_dir / "data")
    filler = _fill(small_data_dir, 0.95)
    assert used_share(small_data_dir) > 0.9

    refused = source_journey.submit(client, message="the memo", document=b"x" * 1000)
    assert refused.status_code == 503
    assert refused.headers["Retry-After"]
    assert CANNOT_STORE in refused.get_data(as_text=True)
    assert _store_files(small_data_dir / "data") == before

    filler.unlink()
    accepted = source_journey.submit(client, message="the memo")
    assert accepted.status_code == 302
    assert len(_store_files(small_data_dir / "data")) == len(before) + 1


def test_running_out_of_space_mid_upload_stores_nothing_and_says_so(
    full_disk_app: Flask, small_data_dir: Path
) -> None:
    client = full_disk_app.test_client()
    source_journey.create(client)
    before = _store_files(small_data_dir / "data")
    _fill(small_data_dir, 0.5)
    # Random bytes do not compress: the encrypted document cannot fit in what is left.
    refused = source_journey.submit(client, message="", document=os.urandom(12 * 1024 * 1024))
    assert refused.status_code == 503
    assert CANNOT_STORE in refused.get_data(as_text=True)
    assert _store_files(small_data_dir / "data") == before
