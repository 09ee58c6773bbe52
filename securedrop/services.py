"""The composition root: builds each collaborator once from Settings, and the per-request
domain services from them, for the apps, the CLI and the worker."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from securedrop import db
from securedrop.config import Settings
from securedrop.crypto import gpghomes
from securedrop.crypto.derivation import CodenameHasher
from securedrop.crypto.openpgp import OpenPGP
from securedrop.domain.collections import Downloads
from securedrop.domain.replies import Replies
from securedrop.domain.submissions import SubmissionLimits, Submissions
from securedrop.models import InstanceConfig
from securedrop.storage.store import Store


@dataclass(frozen=True)
class Services:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    hasher: CodenameHasher
    pgp: OpenPGP
    store: Store

    def submissions(self, session: Session, config: InstanceConfig) -> Submissions:
        """Submissions within `session`'s unit of work, under `config`'s preferences."""
        limits = SubmissionLimits(config=config, max_document_bytes=self.settings.max_document_bytes)
        return Submissions(session=session, store=self.store, pgp=self.pgp, hasher=self.hasher, limits=limits)

    def replies(self, session: Session) -> Replies:
        return Replies(session=session, store=self.store, pgp=self.pgp)

    def downloads(self, session: Session) -> Downloads:
        return Downloads(session=session, store=self.store, tmp_dir=self.settings.tmp_dir)


def build_services(settings: Settings) -> Services:
    """Create directories and collaborators. No migrations, no network: that is the CLI's job."""
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    settings.tmp_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    engine = db.make_engine(settings.database_url)
    return Services(
        settings=settings,
        engine=engine,
        sessions=db.make_session_factory(engine),
        hasher=CodenameHasher(settings.id_pepper, settings.key_pepper, settings.scrypt_n),
        pgp=OpenPGP(
            settings.keyring_dir,
            settings.tmp_dir,
            submission_fpr=settings.submission_key_fpr,
            gpg_binary=settings.gpg_binary,
            # In memory, after sweeping what a crashed process left (each start does).
            homes_dir=gpghomes.prepare(settings.data_dir, settings.tmp_dir).path,
        ),
        store=Store(settings.store_dir, settings.shredder_dir),
    )
