"""Journalist login: throttle, one-time code with a replay record, then the passphrase."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from securedrop.crypto import otp, passwords
from securedrop.domain import DomainError
from securedrop.domain.system_facts import record_failed_login
from securedrop.domain.versions import NOT_SERVED
from securedrop.models.journalists import Journalist, JournalistLoginAttempt

log = logging.getLogger(__name__)

THROTTLE_WINDOW = timedelta(seconds=60)
#: More than this many attempts within THROTTLE_WINDOW are refused (the 6th fails).
THROTTLE_MAX_ATTEMPTS = 5
#: The placeholder that inherits deleted journalists' replies; it can never log in.
DELETED_USERNAME = "deleted"


class LoginFailed(DomainError):
    """Raised for any failed login; deliberately does not say which check failed."""


class LoginThrottled(LoginFailed):
    """Raised when a username had more than THROTTLE_MAX_ATTEMPTS attempts in THROTTLE_WINDOW."""


def find_journalist(session: Session, username: str) -> Journalist | None:
    """The account that may log in with `username` (never the `deleted` placeholder)."""
    if username == DELETED_USERNAME:
        return None
    return session.scalar(select(Journalist).where(Journalist.username == username))


def record_attempt(session: Session, journalist: Journalist, now: datetime) -> None:
    """Record this attempt, then refuse it if the window already holds too many.

    Raises:
        LoginThrottled: more than THROTTLE_MAX_ATTEMPTS attempts within THROTTLE_WINDOW.
    """
    since = now - THROTTLE_WINDOW
    # Older records can no longer matter: keep the table small.
    session.execute(
        delete(JournalistLoginAttempt).where(
            JournalistLoginAttempt.journalist_id == journalist.id, JournalistLoginAttempt.timestamp < since
        )
    )
    session.add(JournalistLoginAttempt(journalist_id=journalist.id, timestamp=now))
    session.flush()
    recent = session.scalar(
        select(func.count())
        .select_from(JournalistLoginAttempt)
        .where(JournalistLoginAttempt.journalist_id == journalist.id, JournalistLoginAttempt.timestamp >= since)
    )
    if int(recent or 0) > THROTTLE_MAX_ATTEMPTS:
        raise LoginThrottled()


def consume_code(session: Session, journalist: Journalist, code: str, now: datetime) -> None:
    """Accept `code` once: check it, then record it as used with a conditional UPDATE.

    The UPDATE succeeds only if nobody consumed this (or a later) step meanwhile, so two
    concurrent logins cannot share one code, on SQLite or PostgreSQL.

    Raises:
        LoginFailed: the code is malformed, wrong, too old, or already used.
    """
    if journalist.is_totp:
        step = otp.match_totp(journalist.otp_secret, code, now.timestamp(), journalist.last_totp_step)
        if step is None:
            raise LoginFailed()
        result = session.execute(
            update(Journalist)
            .where(Journalist.id == journalist.id, Journalist.last_totp_step < step)
            .values(last_totp_step=step)
            .execution_options(synchronize_session=False, **{NOT_SERVED: True})
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]  # a CursorResult, typed as Result
            raise LoginFailed()
        journalist.last_totp_step = step
        return
    counter = otp.match_hotp(journalist.otp_secret, code, journalist.hotp_counter)
    if counter is None:
        raise LoginFailed()
    result = session.execute(
        update(Journalist)
        .where(Journalist.id == journalist.id, Journalist.hotp_counter <= counter)
        .values(hotp_counter=counter + 1)
        .execution_options(synchronize_session=False, **{NOT_SERVED: True})
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # a CursorResult, typed as Result
        raise LoginFailed()
    journalist.hotp_counter = counter + 1


def check_passphrase(journalist: Journalist, passphrase: str) -> None:
    """Verify with argon2id (over-long input refused before hashing); rehash when the
    parameters have changed since the hash was made.

    Raises:
        LoginFailed: the passphrase is wrong.
    """
    if not passwords.verify_passphrase(journalist.passphrase_hash, passphrase):
        raise LoginFailed()
    if passwords.needs_rehash(journalist.passphrase_hash):
        journalist.passphrase_hash = passwords.hash_passphrase(passphrase)


def verify_credentials(session: Session, journalist: Journalist, passphrase: str, code: str, now: datetime) -> None:
    """Steps 2 to 5 of a login for a known account: throttle, code, consume, passphrase.

    The code is consumed before the passphrase is checked: a captured code buys at most
    one passphrase guess, and nobody without a current code makes the server run argon2.

    Raises:
        LoginThrottled: too many attempts.
        LoginFailed: a wrong or reused code, or a wrong passphrase.
    """
    record_attempt(session, journalist, now)
    consume_code(session, journalist, code, now)
    check_passphrase(journalist, passphrase)


def authenticate(session: Session, username: str, passphrase: str, code: str, now: datetime) -> Journalist:
    """The journalist these credentials belong to, with `last_login` set.

    Logs carry the username and the outcome, never a code or a passphrase.

    Raises:
        LoginThrottled: too many attempts for this username.
        LoginFailed: unknown user, wrong or reused code, or wrong passphrase.
    """
    # Web form and API alike: surrounding spaces are never part of a username.
    journalist = find_journalist(session, username.strip())
    if journalist is None:
        log.info("login failed: unknown username")
        record_failed_login(session, now)  # admins are alerted past 20 an hour
        raise LoginFailed()
    try:
        verify_credentials(session, journalist, passphrase, code, now)
    except LoginThrottled:
        log.info("login throttled for %s", journalist.username)
        record_failed_login(session, now)
        raise
    except LoginFailed:
        log.info("login failed for %s", journalist.username)
        record_failed_login(session, now)
        raise
    journalist.last_login = now
    log.info("login succeeded for %s", journalist.username)
    return journalist


def verify_new_secret(secret: str, is_totp: bool, code: str, now: datetime) -> int:
    """Prove a new (pending) 2FA secret with a code from it.

    Returns the consumed TOTP step, or the HOTP counter to store next (matched + 1).

    Raises:
        LoginFailed: the code does not match the secret.
    """
    if is_totp:
        step = otp.match_totp(secret, code, now.timestamp(), after_step=0)
        if step is None:
            raise LoginFailed()
        return step
    counter = otp.match_hotp(secret, code, 0)
    if counter is None:
        raise LoginFailed()
    return counter + 1
