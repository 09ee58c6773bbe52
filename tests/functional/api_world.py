"""Seeding and inspection helpers shared by functional tests: sources, replies, row counts, stored files."""

from __future__ import annotations

import io
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import ColumnElement, func, select

from securedrop import db
from securedrop.crypto.codenames import generate_codename
from securedrop.devdata import seed_journalist
from securedrop.domain.instance import current_config
from securedrop.domain.sources import create_source
from securedrop.domain.submissions import Upload
from securedrop.models import Journalist, Source
from securedrop.models.base import Base
from securedrop.services import Services
from tests.conftest import stop_gpg_daemons


@dataclass
class SeededSource:
    uuid: str
    filesystem_id: str
    public_key: str
    fingerprint: str
    message_uuid: str | None = None
    document_uuid: str | None = None
    reply_uuids: list[str] = field(default_factory=list)


def seed_source(
    services: Services,
    message: str | None = "A message for the newsroom.",
    document: bytes | None = b"document body\n" * 50,
    reply_by: int | None = None,
    reply_text: str = "Thank you, we are looking into it.",
) -> SeededSource:
    """A live source with a message and/or a document, and optionally a reply by journalist
    id `reply_by` (or a pending source when neither message nor document is given)."""
    with db.unit_of_work(services.sessions) as session:
        source = create_source(session, services.pgp, services.hasher.derive(generate_codename("en")))
        seeded = SeededSource(source.uuid, source.filesystem_id, source.public_key, source.fingerprint)
        if message or document:
            upload = Upload(io.BytesIO(document), "evidence.txt", len(document)) if document else None
            result = services.submissions(session, current_config(session)).submit(source, message or "", upload)
            session.flush()
            seeded.message_uuid = result.message.uuid if result.message else None
            seeded.document_uuid = result.document.uuid if result.document else None
        if reply_by is not None:
            author = session.get(Journalist, reply_by)
            assert author is not None
            reply = services.replies(session).send(source, author, reply_text)
            session.flush()
            seeded.reply_uuids.append(reply.uuid)
    return seeded


def source_row(services: Services, source_uuid: str) -> Source | None:
    with services.sessions() as session:
        return session.scalar(select(Source).where(Source.uuid == source_uuid))


def count_rows(services: Services, model: type[Base], *where: ColumnElement[bool]) -> int:
    """How many rows of `model` the database holds now (those matching `where`, if given)."""
    with services.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def seed_reply(services: Services, text: str) -> str:
    """A reply by the dev journalist to the only source, as the journalist app writes it;
    returns its filename."""
    with db.unit_of_work(services.sessions) as session:
        journalist = seed_journalist(session)
        source = session.scalars(select(Source)).one()
        return services.replies(session).send(source, journalist, text).filename


def store_files(services: Services) -> list[Path]:
    return sorted(p for p in services.store.root.rglob("*") if p.is_file())


def encrypt_armored(plaintext: str, public_keys: list[str], tmp_dir: Path) -> str:
    """Encrypt as a desktop client does, with the gpg command line, to every given key."""
    with tempfile.TemporaryDirectory(dir=tmp_dir) as home:
        fingerprints = []
        for key in public_keys:
            imported = subprocess.run(
                ["gpg", "--homedir", home, "--batch", "--status-fd", "1", "--import"],
                input=key.encode(), capture_output=True, check=True,
            ).stdout.decode()
            fingerprints += [line.split()[-1] for line in imported.splitlines() if "IMPORT_OK" in line]
        recipients = [arg for fpr in dict.fromkeys(fingerprints) for arg in ("-r", fpr)]
        result = subprocess.run(
            ["gpg", "--homedir", home, "--batch", "--trust-model", "always", "--armor", "--encrypt",
             *recipients],
            input=plaintext.encode(), capture_output=True, check=True,
        )
        stop_gpg_daemons(home)
        return result.stdout.decode("ascii")
