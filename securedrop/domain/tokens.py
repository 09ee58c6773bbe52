"""Journalist API tokens: issue, check (with bounded renewal), revoke."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from securedrop.domain import DomainError
from securedrop.models.journalists import Journalist
from securedrop.models.tokens import ApiToken

#: Like a journalist's web session: 2 h, extended by 2 h when under 30 min remain,
#: at most 5 times (about 12 h in all), so a stolen token cannot live for ever.
TOKEN_LIFETIME = timedelta(hours=2)
RENEW_WITHIN = timedelta(minutes=30)
MAX_RENEWALS = 5
TOKEN_BYTES = 32


class InvalidToken(DomainError):
    """Raised when a presented token is unknown, expired or revoked."""


@dataclass(frozen=True)
class IssuedToken:
    """The token itself exists only here, handed once to the client."""

    token: str
    expires_at: datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, journalist: Journalist, now: datetime) -> IssuedToken:
    """A new random token (43 URL-safe characters, no spaces) for `journalist`.

    Expired tokens of the same journalist are purged on the way, to keep the table small.
    """
    session.execute(
        delete(ApiToken).where(ApiToken.journalist_id == journalist.id, ApiToken.expires_at <= now),
        execution_options={"synchronize_session": False},
    )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires_at = now + TOKEN_LIFETIME
    session.add(ApiToken(token_hash=token_hash(token), journalist_id=journalist.id, issued_at=now,
                         expires_at=expires_at, renewals=0))
    session.flush()
    return IssuedToken(token, expires_at)


def journalist_for_token(session: Session, token: str, now: datetime) -> Journalist:
    """The journalist a live token belongs to; renews the token when it is about to expire.

    Raises:
        InvalidToken: unknown, expired or revoked.
    """
    record = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    if record is None or record.expires_at <= now:
        raise InvalidToken()
    journalist = session.get(Journalist, record.journalist_id)
    if journalist is None:  # unreachable with the cascading foreign key; kept for safety
        raise InvalidToken()
    if record.expires_at - now < RENEW_WITHIN and record.renewals < MAX_RENEWALS:
        record.expires_at = record.expires_at + TOKEN_LIFETIME
        record.renewals += 1
    return journalist


def revoke_token(session: Session, token: str) -> None:
    """Kill one token at once (logout)."""
    session.execute(
        delete(ApiToken).where(ApiToken.token_hash == token_hash(token)),
        execution_options={"synchronize_session": False},
    )


def revoke_all_tokens(session: Session, journalist_id: int) -> None:
    """Kill every token of a journalist (password change, 2FA reset, deletion)."""
    session.execute(
        delete(ApiToken).where(ApiToken.journalist_id == journalist_id),
        execution_options={"synchronize_session": False},
    )
