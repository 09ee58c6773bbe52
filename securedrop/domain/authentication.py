"""Journalist login: throttle, one-time code with a replay record, then the passphrase."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from securedrop.crypto import otp, passwords
from securedrop.domain import DomainError

# Re-exported: callers of the login need the throttle's vocabulary too.
from securedrop.domain.login_throttle import THROTTLE_MAX_ATTEMPTS as THROTTLE_MAX_ATTEMPTS
from securedrop.domain.login_throttle import THROTTLE_WINDOW as THROTTLE_WINDOW
from securedrop.domain.login_throttle import LoginClient as LoginClient
from securedrop.domain.login_throttle import LoginThrottle as LoginThrottle
from securedrop.domain.system_facts import record_failed_login
from securedrop.domain.versions import NOT_SERVED
from securedrop.models.journalists import Journalist

log = logging.getLogger(__name__)

#: The placeholder that inherits deleted journalists' replies; it can never log in.
DELETED_USERNAME = "deleted"


class LoginFailed(DomainError):
    """Raised for any failed login; deliberately does not say which check failed."""


class LoginThrottled(LoginFailed):
    """Raised when an attempt's username, browser or device had more than
    THROTTLE_MAX_ATTEMPTS attempts in THROTTLE_WINDOW (known usernames or not)."""


@dataclass(frozen=True)
class LoginRequest:
    """One login attempt as submitted, and what the app can tell about the client."""

    username: str
    passphrase: str
    code: str
    client: LoginClient = LoginClient()


def find_journalist(session: Session, username: str) -> Journalist | None:
    """The account that may log in with `username` (never the `deleted` placeholder)."""
    if username == DELETED_USERNAME:
        return None
    return session.scalar(select(Journalist).where(Journalist.username == username))


def check_throttle(session: Session, throttle: LoginThrottle, subjects: Iterable[str], now: datetime) -> None:
    """Record this attempt against each subject, then refuse it if any holds too many.

    Raises:
        LoginThrottled: more than THROTTLE_MAX_ATTEMPTS attempts within THROTTLE_WINDOW.
    """
    if throttle.over_limit(session, subjects, now):
        raise LoginThrottled()


@cache
def _dummy_account() -> tuple[str, str]:
    """A TOTP secret and an argon2id hash (same parameters) that no real account has."""
    return otp.new_totp_secret(), passwords.hash_passphrase(secrets.token_urlsafe(32))


def _work_like_a_known_account(code: str, passphrase: str, now: datetime) -> None:
    """Spend on an unknown username what a known one costs, so timing does not tell them
    apart: a code check against a secret and, only if the code matched (as for a real
    account, where argon2 runs only after a valid code), argon2id against a dummy hash."""
    secret, dummy_hash = _dummy_account()
    if otp.match_totp(secret, code, now.timestamp(), 0) is not None:
        passwords.verify_passphrase(dummy_hash, passphrase)


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
    """Steps 3 to 5 of a login for a known account: code, consume, passphrase (the
    throttle, step 2, is the caller's: check_throttle).

    The code is consumed before the passphrase is checked: a captured code buys at most
    one passphrase guess, and nobody without a current code makes the server run argon2.

    Raises:
        LoginFailed: a wrong or reused code, or a wrong passphrase.
    """
    consume_code(session, journalist, code, now)
    check_passphrase(journalist, passphrase)


def authenticate(session: Session, login: LoginRequest, throttle: LoginThrottle, now: datetime) -> Journalist:
    """The journalist these credentials belong to, with `last_login` set.

    Known and unknown usernames are throttled alike and cost alike, and fail with the
    same error, so the login does not tell which usernames exist. Logs carry the outcome
    and, for known accounts only, the username; never a code or a passphrase.

    Raises:
        LoginThrottled: too many attempts for this username, browser or device.
        LoginFailed: unknown user, wrong or reused code, or wrong passphrase.
    """
    # Web form and API alike: surrounding spaces are never part of a username.
    username = login.username.strip()
    journalist = find_journalist(session, username)
    try:
        check_throttle(session, throttle, throttle.subjects(username, login.client, now), now)
        if journalist is None:
            _work_like_a_known_account(login.code, login.passphrase, now)
            raise LoginFailed()
        verify_credentials(session, journalist, login.passphrase, login.code, now)
    except LoginThrottled:
        log.info("login throttled for %s", journalist.username if journalist else "an unknown username")
        record_failed_login(session, now)  # admins are alerted past 20 an hour
        raise
    except LoginFailed:
        log.info("login failed for %s", journalist.username if journalist else "an unknown username")
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
