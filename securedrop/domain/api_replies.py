"""Replies a desktop client encrypted itself: checked, then stored byte-for-byte."""

from __future__ import annotations

import uuid as uuid_module
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from securedrop.domain import DomainError, ReplyRejected
from securedrop.domain.replies import store_reply
from securedrop.models import Journalist, Reply, Source
from securedrop.storage.store import Store

ARMOR_BEGIN = "-----BEGIN PGP MESSAGE-----"
ARMOR_END = "-----END PGP MESSAGE-----"


class NotEncrypted(ReplyRejected):
    """Raised when a reply is not an ASCII-armored OpenPGP message (the server never
    encrypts for the client: plaintext must not be stored)."""


class InvalidReplyUUID(ReplyRejected):
    """Raised when a client-chosen reply uuid is not a canonical lower-case UUID string."""


class ReplyUUIDInUse(DomainError):
    """Raised when a client-chosen reply uuid already belongs to a reply."""


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


def store_encrypted_reply(
    session: Session, store: Store, source: Source, journalist: Journalist, armored: str,
    reply_uuid: object | None = None,
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
    if chosen is not None and session.scalar(select(Reply.id).where(Reply.uuid == chosen)) is not None:
        raise ReplyUUIDInUse()
    data = armored.encode("ascii")

    def write(out: Path) -> None:
        out.write_bytes(data)

    try:
        return store_reply(session, store, source, journalist, write, chosen)
    except IntegrityError as exc:  # a concurrent request took the uuid meanwhile
        raise ReplyUUIDInUse() from exc
