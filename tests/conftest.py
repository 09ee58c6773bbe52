"""Shared fixtures: real gpg, real SQLite and (when configured) real PostgreSQL."""

from __future__ import annotations

import base64
import os
import re
import secrets
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from securedrop import db
from securedrop.config import Settings
from securedrop.crypto import gpghomes
from securedrop.crypto.openpgp import OpenPGP
from securedrop.services import Services, build_services

#: Set by `make test` once its PostgreSQL cluster runs, e.g.
#: postgresql+psycopg://postgres@127.0.0.1:5432/postgres
POSTGRES_ADMIN_URL = os.environ.get("SECUREDROP_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_ADMIN_URL else [])
#: Set by scripts/run-tests.sh (`make test`): whatever the run lacks (PostgreSQL, Chromium)
#: is an error there, never a silent skip that lets an incomplete run pass.
STRICT = os.environ.get("SECUREDROP_TEST_STRICT") == "1"


def pytest_configure(config: pytest.Config) -> None:
    if STRICT and not POSTGRES_ADMIN_URL:
        raise pytest.UsageError(
            "SECUREDROP_TEST_STRICT=1 but SECUREDROP_TEST_POSTGRES_URL is unset: the PostgreSQL half of "
            "every database test would be dropped; run scripts/run-tests.sh (it starts PostgreSQL)"
        )


@pytest.fixture(scope="session", autouse=True)
def _no_gpg_homes_left_in_memory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Each data dir a test makes gets a directory for gpg homes in /dev/shm, outside the
    run's temporary tree; remove those of this run's data dirs (and only those) at the end."""
    yield
    ours = {gpghomes.root_name(path) for path in tmp_path_factory.getbasetemp().rglob("*") if path.is_dir()}
    for root in gpghomes.MEMORY_DIR.glob("securedrop-gpg-*"):
        if root.name in ours:
            gpghomes.sweep(root, max_age=-1)
            shutil.rmtree(root, ignore_errors=True)


def stop_gpg_daemons(home: Path | str) -> None:
    """Stop the gpg-agent (and any other daemon) a test's own gpg started for this home:
    gpg leaves it running outside the test's processes."""
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], capture_output=True, check=False)


@dataclass(frozen=True)
class SubmissionKey:
    fingerprint: str
    public: str
    secret: str


@pytest.fixture(scope="session")
def submission_key(tmp_path_factory: pytest.TempPathFactory) -> SubmissionKey:
    """One Curve25519 submission keypair for the whole run (what dev mode makes)."""
    base = tmp_path_factory.mktemp("submission-key")
    pgp = OpenPGP(base / "keys", base / "tmp")
    fpr, secret = pgp.generate_dev_submission_key()
    return SubmissionKey(fpr, pgp.export_submission_key(), secret)


class Decryptor:
    """Decrypts like a journalist's air-gapped machine: the gpg CLI and the secret key."""

    def __init__(self, homedir: Path, secret_key: str) -> None:
        homedir.mkdir(mode=0o700, parents=True)
        self.homedir = homedir
        self._gpg(["--import"], secret_key.encode())

    def _gpg(self, args: list[str], data: bytes) -> bytes:
        result = subprocess.run(
            ["gpg", "--homedir", str(self.homedir), "--batch", "--yes", "--pinentry-mode", "loopback",
             "--passphrase", "", *args],
            input=data,
            capture_output=True,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(f"gpg failed: {result.stderr.decode(errors='replace')}")
        return result.stdout

    def decrypt(self, data: bytes) -> bytes:
        return self._gpg(["--decrypt"], data)

    def packets(self, data: bytes) -> str:
        result = subprocess.run(
            ["gpg", "--homedir", str(self.homedir), "--batch", "--list-packets"],
            input=data, capture_output=True, check=False,
        )
        return result.stdout.decode(errors="replace")

    def close(self) -> None:
        stop_gpg_daemons(self.homedir)


@pytest.fixture
def decryptor(tmp_path: Path, submission_key: SubmissionKey) -> Iterator[Decryptor]:
    decryptor = Decryptor(tmp_path / "journalist-gpg", submission_key.secret)
    yield decryptor
    decryptor.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied per test (Alembic runs once per session)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "db.sqlite"
    db.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str | None]:
    if POSTGRES_ADMIN_URL is None:
        yield None
        return
    name = f"sd_template_{secrets.token_hex(4)}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db.upgrade(POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path, postgres_template: str | None
) -> Iterator[str]:
    """A fresh, migrated database per test, on each backend the run has."""
    if request.param == "sqlite":
        path = tmp_path / "db.sqlite"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    assert postgres_template is not None
    with scratch_postgres_database("sd_test", template=postgres_template) as url:
        yield url


@contextmanager
def scratch_postgres_database(prefix: str, template: str | None = None) -> Iterator[str]:
    """A uniquely named PostgreSQL database (a copy of `template`, else empty), dropped after."""
    assert POSTGRES_ADMIN_URL is not None
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_settings(data_dir: Path, database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "database_url": database_url,
        "id_pepper": secrets.token_bytes(32),
        "key_pepper": secrets.token_bytes(32),
        "source_secret_key": secrets.token_urlsafe(32),
        "journalist_secret_key": secrets.token_urlsafe(32),
        "dev": True,
    }
    values.update(overrides)
    return Settings(**values).validate()  # type: ignore[arg-type]  # overrides are checked by validate()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path / "data", database_url)


@pytest.fixture
def services(settings: Settings, submission_key: SubmissionKey) -> Iterator[Services]:
    built = build_services(settings)
    built.pgp.import_submission_key(submission_key.public)
    yield built
    built.engine.dispose()


@pytest.fixture
def source_app(settings: Settings, services: Services) -> Flask:
    from securedrop.source_app import create_app

    app = create_app(settings, services)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def source_client(source_app: Flask) -> FlaskClient:
    return source_app.test_client()


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str, where: str = "the page") -> str:
    """The CSRF token of the form in `html`, as a browser would submit it."""
    match = _CSRF.search(html)
    assert match, f"no CSRF token on {where}"
    return match.group(1)


def csrf_token(client: FlaskClient, path: str = "/") -> str:
    """The CSRF token of the form on `path`, as a browser would submit it."""
    return csrf_from(client.get(path).get_data(as_text=True), path)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
