"""The outbox: messages waiting for the worker, retried with backoff, given up on and reported."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from securedrop.crypto.openpgp import OpenPGP
from securedrop.mail.message import build
from securedrop.models import NotificationRecipient, OutgoingMail

#: Attempts before a message is given up on and reported on the System page.
MAX_ATTEMPTS = 4
#: The wait after the first failure; it doubles after each further one (1, 2, 4 minutes).
FIRST_BACKOFF = timedelta(minutes=1)
#: Finished records stay this long so the System page can show recent failures.
KEEP_FINISHED = timedelta(days=7)
MAX_ERROR_CHARS = 255


@dataclass(frozen=True)
class Draft:
    """What to say, before it is addressed and (maybe) encrypted for one recipient."""

    sender: str
    subject: str
    body: bytes
    #: When it is queued: the worker may try it from then on.
    at: datetime


@dataclass(frozen=True)
class Pending:
    """A message the worker should try now (read in one short transaction, sent outside it)."""

    id: int
    recipient: str
    message: bytes


@dataclass(frozen=True)
class Failure:
    """A message the worker gave up on, for the System page."""

    kind: str
    recipient: str
    error: str
    attempts: int
    at: datetime


def queue_for(
    session: Session, recipient: NotificationRecipient, kind: str, draft: Draft, pgp: OpenPGP
) -> OutgoingMail:
    """Build (and encrypt, when the recipient has a key) one message, and queue it.

    Not flushed here: a caller queueing many writes them together, so SQLite's write
    lock is not held while gpg encrypts the rest.
    """
    encrypt = (pgp, recipient.pgp_public_key) if recipient.pgp_public_key else None
    message: EmailMessage = build(draft.sender, recipient.email, draft.subject, draft.body, encrypt)
    row = OutgoingMail(
        recipient=recipient.email, kind=kind, message=message.as_bytes(), created_at=draft.at,
        next_attempt_at=draft.at,
    )
    session.add(row)
    return row


def due(session: Session, now: datetime) -> list[Pending]:
    rows = session.scalars(
        select(OutgoingMail)
        .where(OutgoingMail.status == "pending", OutgoingMail.next_attempt_at <= now)
        .order_by(OutgoingMail.id)
    )
    return [Pending(row.id, row.recipient, row.message) for row in rows]


def record_outcome(session: Session, mail_id: int, error: str | None, now: datetime) -> None:
    """After one attempt: sent, retry later (doubling the wait), or give up after MAX_ATTEMPTS."""
    row = session.get(OutgoingMail, mail_id)
    if row is None:
        return
    row.attempts += 1
    if error is None:
        row.status, row.finished_at, row.message, row.last_error = "sent", now, b"", None
        return
    row.last_error = error[:MAX_ERROR_CHARS]
    if row.attempts >= MAX_ATTEMPTS:
        # The content is no use once given up on: keep only what the System page shows.
        row.status, row.finished_at, row.message = "failed", now, b""
        return
    row.next_attempt_at = now + FIRST_BACKOFF * (2 ** (row.attempts - 1))


def recent_failures(session: Session, now: datetime, limit: int = 20) -> list[Failure]:
    rows = session.scalars(
        select(OutgoingMail)
        .where(OutgoingMail.status == "failed", OutgoingMail.finished_at >= now - KEEP_FINISHED)
        .order_by(OutgoingMail.finished_at.desc())
        .limit(limit)
    )
    return [
        Failure(row.kind, row.recipient, row.last_error or "", row.attempts, row.finished_at or row.created_at)
        for row in rows
    ]


def retrying(session: Session) -> int:
    """How many messages failed at least once and will be tried again."""
    return int(
        session.scalar(
            select(func.count()).select_from(OutgoingMail).where(
                OutgoingMail.status == "pending", OutgoingMail.attempts > 0
            )
        )
        or 0
    )


def prune(session: Session, now: datetime) -> None:
    session.execute(
        delete(OutgoingMail).where(OutgoingMail.status != "pending", OutgoingMail.finished_at < now - KEEP_FINISHED)
    )
