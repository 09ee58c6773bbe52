"""One source's collection: downloads, deletions and zips of its files."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from securedrop import db
from securedrop.domain import DomainError, NotFound, NothingSelected
from securedrop.domain.seen import mark_seen
from securedrop.models import Reply, SeenFile, SeenMessage, Source, Submission
from securedrop.models.journalists import Journalist
from securedrop.storage import PathError
from securedrop.storage.names import interaction_number, is_valid_stored_name
from securedrop.storage.store import Store
from securedrop.storage.zips import ZipEntry, build_zip

log = logging.getLogger(__name__)


class InvalidFileName(DomainError):
    """Raised when a requested file name breaks the naming rule (`..`, `/`, odd characters)."""


class NothingToDownload(DomainError):
    """Raised when the selected sources have no (unread) submissions to zip."""


@dataclass(frozen=True)
class Download:
    path: Path
    filename: str
    checksum: str


@dataclass(frozen=True)
class ZipDownload:
    path: Path
    filename: str


def _find_item(session: Session, source: Source, filename: str) -> Submission | Reply:
    if not is_valid_stored_name(filename):
        raise InvalidFileName(filename)
    item: Submission | Reply | None
    if filename.endswith("-reply.gpg"):
        item = session.scalar(select(Reply).where(Reply.source_id == source.id, Reply.filename == filename))
    else:
        item = session.scalar(
            select(Submission).where(Submission.source_id == source.id, Submission.filename == filename)
        )
    if item is None:
        raise NotFound(filename)
    return item


def locate_file(store: Store, source: Source, item: Submission | Reply) -> Download:
    """The stored file of an item, to send exactly as stored. Marks nothing seen.

    Raises:
        NotFound: the file is missing from the store, or its recorded name is unusable
            (both logged as integrity faults).
    """
    try:
        path = store.path(source.filesystem_id, item.filename)
    except PathError as exc:
        log.error("a stored item has an invalid file name")
        raise NotFound(item.filename) from exc
    if not path.is_file():
        log.error("a stored file is missing from the store")
        raise NotFound(item.filename)
    return Download(path, item.filename, item.checksum)


def delete_loaded_items(session: Session, store: Store, source: Source, items: list[Submission | Reply]) -> None:
    """Delete these submissions and replies of `source`; their files are securely deleted
    once the transaction commits."""
    paths = [store.path(source.filesystem_id, item.filename) for item in items]
    for item in items:
        session.delete(item)
    session.flush()

    def shred() -> None:
        for path in paths:
            store.move_to_shredder(path)

    # Files leave the store only once the rows are gone for good.
    db.after_commit(session, shred)


def delete_items(session: Session, store: Store, source: Source, filenames: list[str]) -> int:
    """Delete the named submissions and replies of one source (files securely deleted).

    Raises:
        NothingSelected: no name given.
        InvalidFileName, NotFound: one name is bad; nothing is deleted.
    """
    if not filenames:
        raise NothingSelected()
    items = [_find_item(session, source, name) for name in dict.fromkeys(filenames)]
    delete_loaded_items(session, store, source, items)
    return len(items)


def delete_source_data(session: Session, store: Store, source: Source) -> int:
    """Delete every submission and reply of a source but keep its account."""
    items: list[Submission | Reply] = [*source.submissions, *source.replies]
    delete_loaded_items(session, store, source, items)
    return len(items)


def selected_submissions(session: Session, source: Source, filenames: list[str]) -> list[Submission]:
    """The named submissions of one source (replies are not downloadable in bulk).

    Raises:
        NothingSelected: no name given.
        InvalidFileName, NotFound: a name is bad or unknown.
    """
    if not filenames:
        raise NothingSelected()
    found = [_find_item(session, source, name) for name in dict.fromkeys(filenames)]
    return [item for item in found if isinstance(item, Submission)]


def unread_submissions(session: Session, sources: list[Source], journalist: Journalist) -> list[Submission]:
    """Submissions of `sources` this journalist has no seen-record for."""
    ids = [source.id for source in sources]
    if not ids:
        return []
    seen_file = select(SeenFile.file_id).where(SeenFile.journalist_id == journalist.id)
    seen_message = select(SeenMessage.message_id).where(SeenMessage.journalist_id == journalist.id)
    return list(
        session.scalars(
            select(Submission).where(
                Submission.source_id.in_(ids), Submission.id.not_in(seen_file), Submission.id.not_in(seen_message)
            )
        )
    )


def all_submissions(session: Session, sources: list[Source]) -> list[Submission]:
    ids = [source.id for source in sources]
    return list(session.scalars(select(Submission).where(Submission.source_id.in_(ids)))) if ids else []


@dataclass(frozen=True)
class Downloads:
    """Hands journalists encrypted files, one or zipped, and records that they saw them.

    Built per request by the composition root (services.py).
    """

    session: Session
    store: Store
    tmp_dir: Path

    def open_item(self, source: Source, filename: str, journalist: Journalist) -> Download:
        """One encrypted file to send as it is stored, marked seen by `journalist`.

        Raises:
            InvalidFileName: the name breaks the naming rule.
            NotFound: the source has no such file (or it is missing from the store).
        """
        item = _find_item(self.session, source, filename)
        download = locate_file(self.store, source, item)
        mark_seen(self.session, journalist.id, [item])
        return download

    def zip(
        self, submissions: list[Submission], journalist: Journalist, now: datetime, single: Source | None = None
    ) -> ZipDownload:
        """A zip of encrypted submissions (marked seen), built in the temporary directory.

        Entries are `<designation>/<n>_<date of last_updated>/<file>` (one source:
        `<journalist_filename>/...`); the name is `<name>--YYYY-MM-DD--HH-MM-SS.zip`.

        Raises:
            NothingToDownload: `submissions` is empty.
            ZipError: a stored file could not be read.
        """
        if not submissions:
            raise NothingToDownload()
        entries = []
        for item in sorted(submissions, key=lambda s: (s.source_id, interaction_number(s.filename))):
            source = item.source
            folder = source.journalist_filename if single is not None else source.journalist_designation
            number = interaction_number(item.filename)
            arcname = f"{folder}/{number}_{source.last_updated.date().isoformat()}/{item.filename}"
            entries.append(ZipEntry(self.store.path(source.filesystem_id, item.filename), arcname))
        path = build_zip(self.tmp_dir, entries)
        db.on_rollback(self.session, lambda: path.unlink(missing_ok=True))
        mark_seen(self.session, journalist.id, list(submissions))
        name = single.journalist_filename if single is not None else "all"
        return ZipDownload(path, f"{name}--{now.strftime('%Y-%m-%d--%H-%M-%S')}.zip")
