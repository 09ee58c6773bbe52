"""Submissions: checked, encrypted to the submission key and stored; found by uuid for the API."""

from __future__ import annotations

import io
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from securedrop.crypto.codenames import normalize_codename
from securedrop.crypto.derivation import CodenameHasher
from securedrop.crypto.openpgp import OpenPGP
from securedrop.domain import (
    CodenameAsMessage,
    DocumentsNotAllowed,
    DocumentTooLarge,
    EmptyDocument,
    EmptySubmission,
    FirstMessageTooShort,
    MessageTooLong,
    NotFound,
)
from securedrop.domain.sources import place_next
from securedrop.models import InstanceConfig, Source, Submission
from securedrop.models.base import utcnow
from securedrop.storage.gzipstream import GzipReader
from securedrop.storage.names import document_name, message_name, sanitize_upload_name
from securedrop.storage.store import StagedFile, Store

MAX_MESSAGE_CHARS = 100_000


@dataclass
class Upload:
    """A document as the web layer received it: a readable stream (the encrypted spool)."""

    stream: BinaryIO
    filename: str
    size: int


@dataclass(frozen=True)
class SubmissionResult:
    message: Submission | None
    document: Submission | None


@dataclass(frozen=True)
class SubmissionLimits:
    """What the instance accepts: the admins' preferences and the operator's size cap."""

    config: InstanceConfig
    max_document_bytes: int


@dataclass(frozen=True)
class Submissions:
    """Checks, encrypts and stores what sources send, within one unit of work.

    Built per request by the composition root (services.py); its methods take only what
    varies per call.
    """

    session: Session
    store: Store
    pgp: OpenPGP
    hasher: CodenameHasher
    limits: SubmissionLimits

    def submit(self, source: Source, message: str, upload: Upload | None) -> SubmissionResult:
        """Encrypt and store a message and/or a document; the message takes the first number.

        Raises:
            SubmissionRejected: (a subclass says why) nothing was stored.
            OpenPGPError: gpg failed; nothing was stored.
        """
        self._check(source, message, upload)
        session, store, pgp = self.session, self.store, self.pgp
        fsid = source.filesystem_id
        staged: list[tuple[StagedFile, Callable[[int, str], str]]] = []
        rows: list[Submission] = []
        try:
            # Encrypt first, with no database lock held: a 500 MiB document takes seconds.
            if message:
                data = io.BytesIO(message.encode("utf-8"))
                encrypted = store.stage(fsid, lambda out: pgp.encrypt_stream_to_submission_key(data, out))
                staged.append((encrypted, message_name))
            if upload is not None:
                gz = GzipReader(upload.stream, sanitize_upload_name(upload.filename))
                encrypted = store.stage(
                    fsid,
                    lambda out: pgp.encrypt_stream_to_submission_key(gz, out),  # type: ignore[arg-type]  # a readable stream, not a BinaryIO subclass
                )
                staged.append((encrypted, document_name))
            for item, namer in staged:
                filename = place_next(session, store, source, item, namer)
                row = Submission(source=source, filename=filename, size=item.size, checksum=item.checksum)
                session.add(row)
                rows.append(row)
        finally:
            for item, _namer in staged:
                item.discard()  # a no-op for files already placed
        source.pending = False
        source.last_updated = source.last_activity = utcnow()
        session.flush()
        return SubmissionResult(
            message=rows[0] if message else None,
            document=rows[-1] if upload is not None else None,
        )

    def _check(self, source: Source, message: str, upload: Upload | None) -> None:
        config = self.limits.config
        if len(message) > MAX_MESSAGE_CHARS:
            raise MessageTooLong()
        if upload is not None and not config.allow_document_uploads:
            raise DocumentsNotAllowed()
        if upload is not None and upload.size == 0:
            raise EmptyDocument()
        if upload is not None and upload.size > self.limits.max_document_bytes:
            raise DocumentTooLarge()
        if not message and upload is None:
            raise EmptySubmission()
        first = source.pending
        if first and upload is None and 0 < len(message) < config.initial_message_min_len:
            raise FirstMessageTooShort(config.initial_message_min_len)
        if first and message and config.reject_message_with_codename:
            candidate = normalize_codename(message)
            # The codename is not stored anywhere: compare its slow derivation instead,
            # in constant time.
            if candidate is not None and secrets.compare_digest(
                self.hasher.filesystem_id(candidate), source.filesystem_id
            ):
                raise CodenameAsMessage()


def source_submission(session: Session, source: Source, submission_uuid: str) -> Submission:
    """Raises: NotFound: no such submission of *this* source."""
    found = session.scalar(
        select(Submission).where(Submission.uuid == submission_uuid, Submission.source_id == source.id)
    )
    if found is None:
        raise NotFound(submission_uuid)
    return found
