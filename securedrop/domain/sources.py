"""Sources: creation, login, the live-source lookups (by filesystem id or uuid), selection, stars, deletion."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from securedrop import db
from securedrop.crypto.codenames import generate_designation
from securedrop.crypto.derivation import CodenameHasher, SourceSecrets
from securedrop.crypto.openpgp import OpenPGP
from securedrop.crypto.sealing import derive_key, seal, unseal
from securedrop.domain import NotFound, NothingSelected, SourceCreationError
from securedrop.domain.versions import SYNC_SOURCES
from securedrop.models import Source
from securedrop.storage.store import StagedFile, Store

log = logging.getLogger(__name__)


MAX_DESIGNATION_DRAWS = 50


_SEAL_PURPOSE = b"securedrop source secret key v1"


def live_conditions() -> list[ColumnElement[bool]]:
    """What journalists see, in the index and the API alike: sources that have
    submitted (pending ones are invisible)."""
    return [Source.pending.is_(False)]


def _free_designation(session: Session) -> str:
    for _ in range(MAX_DESIGNATION_DRAWS):
        candidate = generate_designation()
        taken = session.scalar(
            select(Source.id).where(Source.journalist_designation == candidate)
        )
        if taken is None:
            return candidate
    raise SourceCreationError("no free designation")


def create_source(session: Session, pgp: OpenPGP, derived: SourceSecrets) -> Source:
    """A new pending source with its own Curve25519 keypair, sealed by the codename's
    key derivation (`CodenameHasher.derive`): the codename itself is not needed here.

    Raises:
        SourceCreationError: the codename's id is taken or no designation is free.
    """
    if session.scalar(select(Source.id).where(Source.filesystem_id == derived.filesystem_id)):
        raise SourceCreationError("filesystem id collision")
    designation = _free_designation(session)
    keypair = pgp.generate_source_key(derived.filesystem_id)
    source = Source(
        filesystem_id=derived.filesystem_id,
        journalist_designation=designation,
        public_key=keypair.public_key,
        fingerprint=keypair.fingerprint,
        sealed_secret_key=seal(
            derive_key(derived.key_passphrase, _SEAL_PURPOSE),
            keypair.secret_key.encode("ascii"),
            associated=derived.filesystem_id.encode("ascii"),
        ),
    )
    try:
        with session.begin_nested():
            session.add(source)
    except IntegrityError as exc:
        raise SourceCreationError("concurrent creation with the same id") from exc
    return source


def find_source(session: Session, filesystem_id: str) -> Source | None:
    """The source with this id (pending or not), if any."""
    return session.scalar(select(Source).where(Source.filesystem_id == filesystem_id))


def login(session: Session, hasher: CodenameHasher, codename: str) -> tuple[Source, SourceSecrets] | None:
    """The source a codename belongs to, with its derived secrets; None if unknown."""
    derived = hasher.derive(codename)
    source = find_source(session, derived.filesystem_id)
    return None if source is None else (source, derived)


def unlock_secret_key(source: Source, key_passphrase: str) -> str:
    """The source's armored secret key. Raises SealError on a wrong passphrase."""
    return unseal(
        derive_key(key_passphrase, _SEAL_PURPOSE),
        source.sealed_secret_key,
        associated=source.filesystem_id.encode("ascii"),
    ).decode("ascii")


def next_interaction(session: Session, source: Source) -> int:
    """Take the next number of the source's shared counter, atomically.

    A single UPDATE ... RETURNING: a source submitting while a journalist replies can
    never get the same number twice, on SQLite or PostgreSQL.
    """
    number = session.execute(
        update(Source)
        .where(Source.id == source.id)
        .values(interaction_count=Source.interaction_count + 1)
        .returning(Source.interaction_count),
        execution_options={SYNC_SOURCES: (source.id,)},
    ).scalar_one()
    source.interaction_count = number
    return int(number)


def place_next(
    session: Session, store: Store, source: Source, staged: StagedFile, namer: Callable[[int, str], str]
) -> str:
    """Move `staged` into the source's directory under `namer(next number, designation)`;
    the file is unlinked again if the transaction rolls back. Returns the file name.

    Every message, document and reply is stored this way, so none is left behind by a
    transaction that does not commit.
    """
    filename = namer(next_interaction(session, source), source.journalist_filename)
    path = store.place(staged, source.filesystem_id, filename)
    db.on_rollback(session, lambda: path.unlink(missing_ok=True))
    return filename


def delete_source(session: Session, store: Store, source: Source) -> None:
    """Delete the source, its key, rows and files (files go to the shredder on commit)."""
    directory = store.source_dir(source.filesystem_id)
    session.delete(source)
    session.flush()
    db.after_commit(session, lambda: store.move_to_shredder(directory))


#: Pending sources (never submitted) kept no matter their age, newest first.
KEEP_NEWEST_PENDING = 100


PENDING_MAX_AGE = timedelta(days=1)


def purge_pending_sources(session: Session, store: Store, now: datetime) -> int:
    """Delete sources that never submitted and are older than a day, keeping the newest 100.

    Anyone can create a source by visiting the landing page; without this, abandoned
    accounts (and their keys) would pile up. Returns the number deleted.
    """
    newest = select(Source.id).where(Source.pending.is_(True)).order_by(Source.last_updated.desc())
    keep = set(session.scalars(newest.limit(KEEP_NEWEST_PENDING)))
    stale = session.scalars(
        select(Source).where(Source.pending.is_(True), Source.last_updated < now - PENDING_MAX_AGE)
    ).all()
    purged = 0
    for source in stale:
        if source.id not in keep:
            delete_source(session, store, source)
            purged += 1
    return purged


def live_source_by_filesystem_id(session: Session, filesystem_id: str) -> Source:
    """The live source with this id.

    Raises:
        NotFound: unknown or pending.
    """
    source: Source | None = session.scalar(
        select(Source).where(Source.filesystem_id == filesystem_id, *live_conditions())
    )
    if source is None:
        raise NotFound(filesystem_id)
    return source


def selected_sources(session: Session, filesystem_ids: list[str]) -> list[Source]:
    """The live sources named by a bulk form, in a stable order.

    Raises:
        NothingSelected: none named.
        NotFound: one is unknown; the action must not half-apply.
    """
    wanted = list(dict.fromkeys(filesystem_ids))
    if not wanted:
        raise NothingSelected()
    found = list(
        session.scalars(
            select(Source).where(Source.filesystem_id.in_(wanted), *live_conditions()).order_by(Source.id)
        )
    )
    if len(found) != len(wanted):
        raise NotFound("source")
    return found


def set_starred(sources: list[Source], starred: bool) -> None:
    for source in sources:
        source.is_starred = starred


def live_source_by_uuid(session: Session, source_uuid: str) -> Source:
    """Raises: NotFound: unknown (or malformed) uuid, or a pending source."""
    source = session.scalar(select(Source).where(Source.uuid == source_uuid, *live_conditions()))
    if source is None:
        raise NotFound(source_uuid)
    return source
