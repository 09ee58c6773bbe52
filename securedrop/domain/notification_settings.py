"""Each journalist's notification address, optional OpenPGP key and digest preference."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from securedrop.crypto.openpgp import NotificationKeyError, OpenPGP
from securedrop.domain import DomainError
from securedrop.mail.message import parse_address
from securedrop.models import Journalist, NotificationRecipient

#: An armored key bigger than this is not a single public key anyone should paste.
MAX_KEY_CHARS = 64 * 1024


class RecipientRejected(DomainError):
    """Base of the reasons notification settings are refused; nothing is saved."""


class MalformedAddress(RecipientRejected):
    """Raised when the email address is not a plain local@domain address."""


class KeyRejected(RecipientRejected):
    """Raised when the pasted key is refused; `reason` is the OpenPGP check's verdict."""

    def __init__(self, reason: NotificationKeyError) -> None:
        super().__init__(type(reason).__name__)
        self.reason = reason


@dataclass(frozen=True)
class RecipientInput:
    """The form as given: an empty address turns notifications off and forgets the key."""

    email: str
    public_key: str = ""
    daily_digest: bool = True
    #: Keep the saved key when no new one is pasted (the field is never pre-filled).
    remove_key: bool = False
    locale: str = "en_US"


def recipient_of(session: Session, journalist_id: int) -> NotificationRecipient | None:
    return session.get(NotificationRecipient, journalist_id)


def save_recipient(
    session: Session, journalist: Journalist, given: RecipientInput, pgp: OpenPGP
) -> NotificationRecipient | None:
    """Set, change or (with an empty address) remove `journalist`'s notification settings.

    Raises:
        MalformedAddress, KeyRejected: nothing is saved.
    """
    row = recipient_of(session, journalist.id)
    if not given.email.strip():
        if row is not None:
            session.delete(row)
            session.flush()
        return None
    address = parse_address(given.email)
    if address is None:
        raise MalformedAddress()
    key_text = given.public_key.strip()
    fingerprint = None
    if key_text:
        if len(key_text) > MAX_KEY_CHARS:
            raise KeyRejected(NotificationKeyError("too long"))
        try:
            fingerprint = pgp.check_notification_key(key_text)
        except NotificationKeyError as exc:
            raise KeyRejected(exc) from exc
    if row is None:
        row = NotificationRecipient(journalist_id=journalist.id)
        session.add(row)
    row.email = address
    if key_text:
        row.pgp_public_key, row.pgp_fingerprint = key_text, fingerprint
    elif given.remove_key:
        row.pgp_public_key, row.pgp_fingerprint = None, None
    row.daily_digest = given.daily_digest
    row.locale = given.locale
    session.flush()
    return row


def digest_recipients(session: Session) -> list[NotificationRecipient]:
    """Everyone who asked for the daily digest."""
    return list(
        session.scalars(
            select(NotificationRecipient)
            .where(NotificationRecipient.daily_digest.is_(True))
            .order_by(NotificationRecipient.journalist_id)
        )
    )


def admin_recipients(session: Session) -> list[NotificationRecipient]:
    """Every admin with an address: who gets alerts, whatever their digest preference."""
    return list(
        session.scalars(
            select(NotificationRecipient)
            .join(Journalist, Journalist.id == NotificationRecipient.journalist_id)
            .where(Journalist.is_admin.is_(True))
            .order_by(NotificationRecipient.journalist_id)
        )
    )
