"""Replies: a journalist writes one (or a client stores one it encrypted); a source reads
them (decrypted in memory) and deletes them."""

from __future__ import annotations

import uuid as uuid_module
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from securedrop.crypto.openpgp import OpenPGP
from securedrop.domain import DomainError, NotFound, ReplyRejected
from securedrop.domain.sources import place_next, unlock_secret_key
from securedrop.models import Journalist, Reply, SeenReply, Source
from securedrop.models.base import utcnow
from securedrop.storage.names import interaction_number, reply_name
from securedrop.storage.store import Store

MAX_REPLY_CHARS = 100_000
ARMOR_BEGIN = "-----BEGIN PGP MESSAGE-----"
ARMOR_END = "-----END PGP MESSAGE-----"


class NotEncrypted(ReplyRejected):
    """Raised when a reply is not an ASCII-armored OpenPGP message (the server never
    encrypts for the client: plaintext must not be stored)."""


class InvalidReplyUUID(ReplyRejected):
    """Raised when a client-chosen reply uuid is not a canonical lower-case UUID string."""


class ReplyUUIDInUse(DomainError):
    """Raised when a client-chosen reply uuid already belongs to a reply."""


@dataclass(frozen=True)
class DecryptedReply:
    filename: str
    text: str | None  # None when the file could not be decrypted


def is_armored_message(text: str) -> bool:
    """First line `-----BEGIN PGP MESSAGE-----`, last non-empty line the END line, ASCII only."""
    if not text.isascii():
        return False
    lines = [line.rstrip() for line in text.splitlines()]
    non_empty = [line for line in lines if line]
    return bool(lines) and lines[0] == ARMOR_BEGIN and non_empty[-1] == ARMOR_END


def canonical_uuid(value: object) -> str:
    """Raises: InvalidReplyUUID: not the string `str(uuid4())` would give."""
    if not isinstance(value, str):
        raise InvalidReplyUUID()
    try:
        parsed = uuid_module.UUID(value)
    except ValueError as exc:
        raise InvalidReplyUUID() from exc
    if str(parsed) != value:
        raise InvalidReplyUUID()
    return value


@dataclass(frozen=True)
class Replies:
    """Writes and reads replies within one unit of work (built per request in services.py)."""

    session: Session
    store: Store
    pgp: OpenPGP

    def send(self, source: Source, journalist: Journalist, text: str) -> Reply:
        """Encrypt `text` to the source's key and the submission key and store it.

        Raises:
            ReplyRejected: the reply is empty or too long.
        """
        if not text.strip():
            raise ReplyRejected("empty")
        if len(text) > MAX_REPLY_CHARS:
            raise ReplyRejected("too long")
        public_key, pgp = source.public_key, self.pgp
        return self._store(source, journalist, lambda out: pgp.encrypt_reply(text, public_key, out))

    def store_encrypted(
        self, source: Source, journalist: Journalist, armored: str, reply_uuid: object | None = None
    ) -> Reply:
        """Store a client-encrypted reply as the exact text received (API_V1 §8).

        Every check runs before anything is written; the counter and the file are undone
        with the transaction if it does not commit.

        Raises:
            NotEncrypted: not an armored OpenPGP message.
            InvalidReplyUUID: `reply_uuid` given but not canonical.
            ReplyUUIDInUse: another reply has that uuid (also on a concurrent insert).
        """
        if not is_armored_message(armored):
            raise NotEncrypted()
        chosen = canonical_uuid(reply_uuid) if reply_uuid is not None else None
        if chosen is not None and self.session.scalar(select(Reply.id).where(Reply.uuid == chosen)) is not None:
            raise ReplyUUIDInUse()
        data = armored.encode("ascii")

        def write(out: Path) -> None:
            out.write_bytes(data)

        try:
            return self._store(source, journalist, write, chosen)
        except IntegrityError as exc:  # a concurrent request took the uuid meanwhile
            raise ReplyUUIDInUse() from exc

    def _store(
        self, source: Source, journalist: Journalist, write: Callable[[Path], None], reply_uuid: str | None = None
    ) -> Reply:
        """Store the encrypted reply `write` produces, seen by its author.

        Raises:
            IntegrityError: `reply_uuid` is taken (the savepoint is rolled back; the file goes
                with the transaction).
        """
        session = self.session
        staged = self.store.stage(source.filesystem_id, write)
        try:
            filename = place_next(session, self.store, source, staged, reply_name)
        finally:
            staged.discard()
        # By ids, not relationships: begin_nested() flushes first, and a reply already in
        # source.replies but not yet in the session would be a half-added object.
        reply = Reply(source_id=source.id, journalist_id=journalist.id, filename=filename, size=staged.size,
                      checksum=staged.checksum)
        if reply_uuid is not None:
            reply.uuid = reply_uuid
        with session.begin_nested():
            session.add(reply)
        session.add(SeenReply(reply_id=reply.id, journalist_id=journalist.id))
        source.last_activity = utcnow()  # a reply restarts the retention period too
        session.flush()
        return reply

    def for_source(self, source: Source, key_passphrase: str) -> list[DecryptedReply]:
        """The replies the source has not deleted, newest first, decrypted in memory only."""
        replies = [r for r in source.replies if not r.deleted_by_source]
        replies.sort(key=lambda r: interaction_number(r.filename), reverse=True)
        if not replies:
            return []
        secret_key = unlock_secret_key(source, key_passphrase)
        ciphertexts = []
        for reply in replies:
            try:
                ciphertexts.append(self.store.path(source.filesystem_id, reply.filename).read_bytes())
            except OSError:
                ciphertexts.append(b"")
        texts = self.pgp.decrypt_with_source_key(secret_key, ciphertexts)
        return [DecryptedReply(r.filename, t) for r, t in zip(replies, texts, strict=True)]


def delete_reply_for_source(session: Session, source: Source, filename: str) -> None:
    """Hide one reply from the source; the file stays as the journalists' read receipt.

    Raises:
        NotFound: the source has no reply of that name.
    """
    reply = session.scalar(select(Reply).where(Reply.source_id == source.id, Reply.filename == filename))
    if reply is None:
        raise NotFound(filename)
    reply.deleted_by_source = True


def delete_all_replies_for_source(session: Session, source: Source) -> int:
    count = 0
    for reply in source.replies:
        if not reply.deleted_by_source:
            reply.deleted_by_source = True
            count += 1
    return count


def source_reply(session: Session, source: Source, reply_uuid: str) -> Reply:
    """Raises: NotFound: no such reply of *this* source."""
    found = session.scalar(select(Reply).where(Reply.uuid == reply_uuid, Reply.source_id == source.id))
    if found is None:
        raise NotFound(reply_uuid)
    return found
