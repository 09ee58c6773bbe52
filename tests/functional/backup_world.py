"""A small newsroom for backup tests: seeded through the real apps, compared after a restore."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import select

from securedrop import config, db, onion
from securedrop.config import Settings
from securedrop.crypto import otp, passwords
from securedrop.domain import onion_keys
from securedrop.domain.instance import PNG_SIGNATURE, save_logo, set_organization_name
from securedrop.models import Source
from securedrop.models.journalists import Journalist
from securedrop.services import Services, build_services
from securedrop.web.state import set_clock
from tests.functional import journalist_journey, source_journey
from tests.functional.journalist_journey import PASSPHRASE, Account, Clock
from tests.functional.live_server import prepare_data_dir

LOGO = PNG_SIGNATURE + b"\x00\x00\x00\rIHDR" + os.urandom(64)
ORGANIZATION = "The Backup Gazette"


@dataclass
class Newsroom:
    """One instance: its environment (as the CLI and gunicorn get it), settings and services."""

    env: dict[str, str]
    settings: Settings
    services: Services
    codenames: dict[str, str] = field(default_factory=dict)  # filesystem id -> codename
    replies: dict[str, str] = field(default_factory=dict)  # filesystem id -> reply text
    accounts: list[Account] = field(default_factory=list)
    source_onion: str = ""

    @classmethod
    def load(cls, env: dict[str, str]) -> Newsroom:
        settings = config.load(env)
        return cls(env, settings, build_services(settings))

    def source_client(self) -> FlaskClient:
        from securedrop.source_app import create_app

        app = create_app(self.settings, self.services)
        app.config["TESTING"] = True
        return app.test_client()

    def journalist_client(self, clock: Clock) -> FlaskClient:
        from securedrop.journalist_app import create_app

        app = create_app(self.settings, self.services)
        app.config["TESTING"] = True
        set_clock(app, clock)
        return app.test_client()

    def store_digests(self) -> dict[str, str]:
        """relative path -> SHA-256 of every file in the store."""
        root = self.settings.store_dir
        return {
            str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob("*")) if path.is_file()
        }

    def close(self) -> None:
        self.services.engine.dispose()


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The real `securedrop` command, as an operator runs it."""
    return subprocess.run([sys.executable, "-m", "securedrop.cli", *args], env=env, capture_output=True,
                          text=True, check=False, timeout=600)


def _account(services: Services, username: str, is_totp: bool, is_admin: bool = False) -> Account:
    secret = otp.new_totp_secret()
    with db.unit_of_work(services.sessions) as session:
        row = Journalist(username=username, passphrase_hash=passwords.hash_passphrase(PASSPHRASE),
                         is_admin=is_admin, otp_secret=secret, is_totp=is_totp)
        session.add(row)
        session.flush()
        account_id = row.id
    return Account(account_id, username, PASSPHRASE, secret, is_totp)


def seed(data_dir: Path, submission_public_key: str, database_url: str, sources: int = 2) -> Newsroom:
    """Sources with messages, documents and replies, starred and seen state, a TOTP admin
    and an HOTP journalist (who has logged in once), an onion client key, a logo, a
    changed organisation name, and both onion service keys."""
    env = prepare_data_dir(data_dir, submission_public_key, database_url)
    room = Newsroom.load(env)
    clock = Clock()
    admin = _account(room.services, "admin", is_totp=True, is_admin=True)
    reporter = _account(room.services, "reporter", is_totp=False)
    room.accounts = [admin, reporter]
    for number in range(sources):
        client = room.source_client()
        codename = source_journey.create(client)
        source_journey.submit(client, message=f"message {number}", document=os.urandom(3000), filename="leak.bin")
        with room.services.sessions() as session:
            newest = session.scalars(select(Source).order_by(Source.id.desc())).first()
            assert newest is not None
            room.codenames[newest.filesystem_id] = codename
    journalist = journalist_journey.logged_in(room.journalist_client(clock), admin, clock)
    first = next(iter(room.codenames))
    for fsid in room.codenames:
        room.replies[fsid] = f"thank you, source {fsid[:6]}"
        response = journalist_journey.post(journalist, "/reply", {"filesystem_id": fsid, "message": room.replies[fsid]},
                                           page=f"/col/{fsid}")
        assert response.status_code == 302
    journalist_journey.post(journalist, f"/col/add_star/{first}", page=f"/col/{first}")
    with room.services.sessions() as session:
        source = session.scalar(select(Source).where(Source.filesystem_id == first))
        assert source is not None
        document = next(item for item in source.submissions if item.is_file)
        assert journalist.get(f"/col/{first}/{document.filename}").status_code == 200  # marks it seen
    reporter_client = room.journalist_client(clock)
    first_login = journalist_journey.login(reporter_client, reporter, clock, code=reporter.code(clock.now, 0))
    assert first_login.status_code == 302
    with db.unit_of_work(room.services.sessions) as session:
        set_organization_name(session, ORGANIZATION)
        row = session.get(Journalist, reporter.id)
        assert row is not None
        onion_keys.issue_key(session, row, "newsroom laptop")
    save_logo(room.settings.data_dir, LOGO)
    room.source_onion = _source_onion(room.settings)
    onion.load_or_create_service_key(room.settings.onion_dir / "journalist.key")
    return room


def _source_onion(settings: Settings) -> str:
    from securedrop.onion.address import address_of_service_key

    return address_of_service_key(onion.load_or_create_service_key(settings.onion_dir / "source.key"))
