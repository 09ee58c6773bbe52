"""The daily digest: when it is due, what it says, and queueing one equal-sized message per journalist."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from securedrop.crypto.openpgp import OpenPGP
from securedrop.domain.notification_settings import digest_recipients
from securedrop.domain.notification_texts import digest_subject, digest_text
from securedrop.domain.outbox import Draft, queue_for
from securedrop.domain.retention import sources_expiring_within
from securedrop.mail.message import DIGEST_BODY_BYTES, pad
from securedrop.models import MailRelay, Source, Submission

DIGEST_WINDOW = timedelta(hours=24)


def digest_due(relay: MailRelay, now: datetime) -> bool:
    """Once a UTC day, from the configured hour on (late rather than never after downtime)."""
    return now.hour >= relay.digest_hour and relay.last_digest_on != now.date()


def new_submissions_since(session: Session, since: datetime) -> bool:
    """Whether any source submitted after `since` (a source's last_updated is its last submission)."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    Source.last_updated >= since,
                    exists().where(Submission.source_id == Source.id),
                )
            )
        )
    )


def retention_warning_due(session: Session, now: datetime) -> bool:
    """True when retention deletes some source within 7 days (the digest's fixed warning line)."""
    return sources_expiring_within(session, days=7, now=now)


def queue_digests(
    session: Session, relay: MailRelay, pgp: OpenPGP, now: datetime, retention_warning: bool = False
) -> int:
    """Queue today's digest for everyone who wants it and mark the day done. Returns how many.

    Every digest, whatever it says and in whichever language, is padded to
    DIGEST_BODY_BYTES before encryption: its size tells the mail provider nothing.
    """
    new = new_submissions_since(session, now - DIGEST_WINDOW)
    queued = 0
    for recipient in digest_recipients(session):
        body = pad(digest_text(recipient.locale, new, retention_warning), DIGEST_BODY_BYTES)
        draft = Draft(relay.sender, digest_subject(recipient.locale), body, now)
        queue_for(session, recipient, "digest", draft, pgp)
        queued += 1
    relay.last_digest_on = now.date()
    session.flush()
    return queued
