"""Seeding for domain unit tests: journalists and sources in one committed unit of work each."""

from __future__ import annotations

from securedrop import db
from securedrop.crypto import otp
from securedrop.crypto.codenames import generate_codename
from securedrop.domain.sources import create_source
from securedrop.models import Journalist, Source
from securedrop.services import Services


def add_journalist(services: Services, username: str) -> int:
    """An account inserted directly (argon2 hashing is not what these tests are about)."""
    with db.unit_of_work(services.sessions) as session:
        row = Journalist(username=username, passphrase_hash="$argon2id$unused", otp_secret=otp.new_totp_secret())
        session.add(row)
        session.flush()
        return row.id


def add_source(services: Services) -> tuple[int, str]:
    """A pending source (no submission yet); returns its id and its key passphrase."""
    derived = services.hasher.derive(generate_codename("en"))
    with db.unit_of_work(services.sessions) as session:
        source = create_source(session, services.pgp, derived)
        session.flush()
        return source.id, derived.key_passphrase


def get_source(services: Services, source_id: int) -> Source:
    with services.sessions() as session:
        found = session.get(Source, source_id)
        assert found is not None
        return found
