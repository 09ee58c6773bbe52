"""Journalist accounts: create, edit, new passphrase, new 2FA, delete, end every session."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import and_, delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from securedrop.crypto import otp, passwords
from securedrop.domain import DomainError, NotFound
from securedrop.domain.authentication import DELETED_USERNAME
from securedrop.domain.tokens import revoke_all_tokens
from securedrop.models import Reply, SeenFile, SeenMessage, SeenReply, WebSession
from securedrop.models.journalists import Journalist

log = logging.getLogger(__name__)

MIN_USERNAME_CHARS = 3
MAX_USERNAME_CHARS = 64
MAX_NAME_CHARS = 100


class AccountError(DomainError):
    """Base of the reasons an account change is refused; nothing is changed."""


class InvalidUsername(AccountError):
    """Raised when a username is too short, too long or reserved (`deleted`)."""


class UsernameTaken(AccountError):
    """Raised when another account already has the username."""

    def __init__(self, username: str) -> None:
        super().__init__(username)
        self.username = username


class NameTooLong(AccountError):
    """Raised when a first or last name exceeds MAX_NAME_CHARS."""


class InvalidPassphrase(AccountError):
    """Raised when a passphrase is not the one offered or breaks the length rules."""


class ProtectedAccount(AccountError):
    """Raised when an admin tries to delete themself, or to change the `deleted` placeholder."""


@dataclass(frozen=True)
class TwoFactor:
    """A 2FA secret as stored: base32, TOTP or HOTP."""

    secret: str
    is_totp: bool

    @classmethod
    def new_totp(cls) -> TwoFactor:
        return cls(otp.new_totp_secret(), True)

    @classmethod
    def from_hotp_hex(cls, value: str) -> TwoFactor:
        """Raises: InvalidHOTPSecret: not 40 hexadecimal digits."""
        return cls(otp.hotp_secret_from_hex(value), False)


def _end_web_sessions(session: Session, journalist_id: int) -> None:
    session.execute(
        delete(WebSession).where(WebSession.journalist_id == journalist_id),
        execution_options={"synchronize_session": False},
    )


def revoke_credentials(session: Session, journalist_id: int) -> None:
    """End everything that lets a journalist in without a password: every web session
    and API token, at once and on every device, in the caller's transaction."""
    _end_web_sessions(session, journalist_id)
    revoke_all_tokens(session, journalist_id)


def _check_username(session: Session, username: str, exclude_id: int | None = None) -> str:
    username = username.strip()
    if not MIN_USERNAME_CHARS <= len(username) <= MAX_USERNAME_CHARS or username == DELETED_USERNAME:
        raise InvalidUsername(username)
    taken = session.scalar(
        select(Journalist.id).where(Journalist.username == username, Journalist.id != (exclude_id or -1))
    )
    if taken is not None:
        raise UsernameTaken(username)
    return username


def _check_name(value: str | None) -> str | None:
    value = (value or "").strip()
    if len(value) > MAX_NAME_CHARS:
        raise NameTooLong()
    return value or None


def _check_offered(passphrase: str, offered: str | None) -> None:
    # The user or admin can only accept the server's offer, bound to their session.
    if offered is None or not secrets.compare_digest(passphrase.encode(), offered.encode()):
        raise InvalidPassphrase()
    if not passwords.passphrase_acceptable(passphrase):
        raise InvalidPassphrase()


def get_journalist(session: Session, journalist_id: int) -> Journalist:
    """Raises: NotFound: no such account (the placeholder counts as one)."""
    journalist = session.get(Journalist, journalist_id)
    if journalist is None:
        raise NotFound(str(journalist_id))
    return journalist


def list_journalists(session: Session) -> list[Journalist]:
    """Every account but the `deleted` placeholder, by username."""
    return list(
        session.scalars(select(Journalist).where(Journalist.username != DELETED_USERNAME).order_by(Journalist.username))
    )


@dataclass(frozen=True)
class NewAccount:
    """What an admin (or the CLI) gives for a new account; `offered` is the passphrase the
    server offered, which `passphrase` must equal."""

    username: str
    passphrase: str
    offered: str | None
    two_factor: TwoFactor
    is_admin: bool = False
    first_name: str | None = None
    last_name: str | None = None


@dataclass(frozen=True)
class AccountEdit:
    """An admin's edit of another account."""

    username: str
    first_name: str | None
    last_name: str | None
    is_admin: bool


def create_journalist(session: Session, account: NewAccount) -> Journalist:
    """A new account with the server-offered passphrase (hashed with argon2id).

    Raises:
        InvalidUsername, UsernameTaken, NameTooLong, InvalidPassphrase: nothing is created.
    """
    username = _check_username(session, account.username)
    first, last = _check_name(account.first_name), _check_name(account.last_name)
    _check_offered(account.passphrase, account.offered)
    journalist = Journalist(
        username=username,
        first_name=first,
        last_name=last,
        is_admin=account.is_admin,
        passphrase_hash=passwords.hash_passphrase(account.passphrase),
        otp_secret=account.two_factor.secret,
        is_totp=account.two_factor.is_totp,
        hotp_counter=0,
        last_totp_step=0,
    )
    try:
        with session.begin_nested():
            session.add(journalist)
    except IntegrityError as exc:  # a concurrent creation took the name
        raise UsernameTaken(username) from exc
    log.info("account %s created", username)
    return journalist


def update_names(session: Session, journalist: Journalist, first_name: str | None, last_name: str | None) -> None:
    """Raises: NameTooLong: nothing is changed."""
    first, last = _check_name(first_name), _check_name(last_name)
    journalist.first_name, journalist.last_name = first, last


def update_account(session: Session, journalist: Journalist, edit: AccountEdit) -> None:
    """An admin's edit of username, names and admin flag.

    Raises:
        ProtectedAccount: the `deleted` placeholder.
        InvalidUsername, UsernameTaken, NameTooLong: nothing is changed.
    """
    if journalist.username == DELETED_USERNAME:
        raise ProtectedAccount()
    new_username = _check_username(session, edit.username, exclude_id=journalist.id)
    first, last = _check_name(edit.first_name), _check_name(edit.last_name)
    journalist.username, journalist.first_name, journalist.last_name = new_username, first, last
    journalist.is_admin = edit.is_admin


def set_passphrase(session: Session, journalist: Journalist, passphrase: str, offered: str | None) -> None:
    """Replace the passphrase with the offered one and end every session of the account.

    Raises:
        ProtectedAccount: the `deleted` placeholder.
        InvalidPassphrase: not the offered passphrase, or out of bounds.
    """
    if journalist.username == DELETED_USERNAME:
        raise ProtectedAccount()
    _check_offered(passphrase, offered)
    journalist.passphrase_hash = passwords.hash_passphrase(passphrase)
    revoke_credentials(session, journalist.id)
    log.info("passphrase changed for %s", journalist.username)


def set_two_factor(session: Session, journalist: Journalist, two_factor: TwoFactor, consumed: int) -> None:
    """Switch to a verified 2FA secret; `consumed` is the TOTP step or next HOTP counter
    returned by verify_new_secret. Ends every session of the account.

    Raises:
        ProtectedAccount: the `deleted` placeholder.
    """
    if journalist.username == DELETED_USERNAME:
        raise ProtectedAccount()
    journalist.otp_secret = two_factor.secret
    journalist.is_totp = two_factor.is_totp
    journalist.last_totp_step = consumed if two_factor.is_totp else 0
    journalist.hotp_counter = 0 if two_factor.is_totp else consumed
    revoke_credentials(session, journalist.id)
    log.info("two-factor secret reset for %s", journalist.username)


def deleted_user(session: Session) -> Journalist:
    """The placeholder that keeps deleted journalists' replies; created on first need
    with a random passphrase nobody ever sees."""
    placeholder = session.scalar(select(Journalist).where(Journalist.username == DELETED_USERNAME))
    if placeholder is None:
        placeholder = Journalist(
            username=DELETED_USERNAME,
            passphrase_hash=passwords.hash_passphrase(secrets.token_urlsafe(32)),
            otp_secret=otp.new_totp_secret(),
            is_totp=True,
        )
        session.add(placeholder)
        session.flush()
    return placeholder


def _move_seen(session: Session, model: type, item_column: str, old_id: int, new_id: int) -> None:
    table_item = getattr(model, item_column)
    other = model.__table__.alias("other")  # type: ignore[attr-defined]  # model is any seen-table class
    duplicate = exists().where(
        and_(other.c.journalist_id == new_id, getattr(other.c, item_column) == table_item)
    )
    # The placeholder may have seen the same item already (an earlier deletion): drop
    # those rows rather than break the unique constraint, then move the rest.
    quiet = {"synchronize_session": False}
    session.execute(
        delete(model).where(model.journalist_id == old_id, duplicate),  # type: ignore[attr-defined]  # as above
        execution_options=quiet,
    )
    session.execute(
        update(model).where(model.journalist_id == old_id).values(journalist_id=new_id),  # type: ignore[attr-defined]  # as above
        execution_options=quiet,
    )


def delete_journalist(session: Session, journalist: Journalist, acting: Journalist | None) -> None:
    """Delete an account; its replies and seen-records move to the `deleted` placeholder.

    Raises:
        ProtectedAccount: the admin deleting themself, or the placeholder itself.
    """
    if journalist.username == DELETED_USERNAME or (acting is not None and acting.id == journalist.id):
        raise ProtectedAccount()
    placeholder = deleted_user(session)
    session.execute(
        update(Reply).where(Reply.journalist_id == journalist.id).values(journalist_id=placeholder.id),
        execution_options={"synchronize_session": False},
    )
    _move_seen(session, SeenFile, "file_id", journalist.id, placeholder.id)
    _move_seen(session, SeenMessage, "message_id", journalist.id, placeholder.id)
    _move_seen(session, SeenReply, "reply_id", journalist.id, placeholder.id)
    revoke_credentials(session, journalist.id)
    username = journalist.username
    session.delete(journalist)
    session.flush()
    log.info("account %s deleted", username)
