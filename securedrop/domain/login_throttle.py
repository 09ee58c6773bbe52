"""The journalist login throttle: attempts counted per username, browser or device, atomically.

What counts as "the client". The journalist onion's client-auth key would be ideal, but
tor does not tell the app which key a connection used, and every connection reaches the
app from tor on 127.0.0.1, so no address or connection identifies a device either. What
the app can see is what the browser sends back:

- a *browser* value: the random CSRF secret of its (cookie-only) anonymous session. Any
  client can drop it and get a new one, so it only limits a careless attacker;
- a *device token*: issued in a cookie after a successful login as one username, signed
  by the server, valid for DEVICE_TOKEN_LIFETIME. Only someone who once logged in as that
  journalist (from that browser) holds one.

An attempt presenting a valid device token for the username is counted against that
token alone. Any other attempt is counted against the username (shared by everyone
without a token) and against its browser value. So someone flooding a username locks out
only token-less clients: a journalist's browser that has logged in before keeps its own
allowance. Limits: Tor Browser forgets cookies when it closes, so after a restart the
journalist is token-less until the next successful login; the API (securedrop-sdk)
sends no cookies and always counts against the username. Both are bounded by who can
reach the login at all: only holders of a journalist onion client key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from securedrop.models.journalists import LoginThrottleRecord

THROTTLE_WINDOW = timedelta(seconds=60)
#: More than this many attempts within THROTTLE_WINDOW are refused (the 6th fails).
THROTTLE_MAX_ATTEMPTS = 5
DEVICE_TOKEN_LIFETIME = timedelta(days=30)


@dataclass(frozen=True)
class LoginClient:
    """What the app can tell about who is trying (see this module's docstring)."""

    #: A random value only this browser holds, or None (the API sends no cookie).
    browser: str | None = None
    #: The device token from an earlier successful login in this browser, if any.
    device_token: str | None = None


class LoginThrottle:
    """Counts attempts under keyed-hash subjects and issues device tokens, with one key."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, *parts: str) -> str:
        return hmac.new(self._key, "\0".join(parts).encode("utf-8"), hashlib.sha256).hexdigest()

    def issue_device_token(self, username: str, now: datetime) -> str:
        """A token proving a successful login as `username` from the browser that keeps it."""
        expires = str(int((now + DEVICE_TOKEN_LIFETIME).timestamp()))
        nonce = secrets.token_urlsafe(18)
        return f"{expires}.{nonce}.{self._mac('device', username, expires, nonce)}"

    def _valid_device_token(self, username: str, token: str, now: datetime) -> bool:
        parts = token.split(".")
        if len(parts) != 3 or not parts[0].isdigit():
            return False
        expires, nonce, mac = parts
        good = hmac.compare_digest(mac, self._mac("device", username, expires, nonce))
        return good and int(expires) > now.timestamp()

    def subjects(self, username: str, client: LoginClient, now: datetime) -> list[str]:
        """What an attempt on `username` from `client` is counted against."""
        if client.device_token and self._valid_device_token(username, client.device_token, now):
            return [self._mac("device", client.device_token)]
        subjects = [self._mac("username", username)]
        if client.browser:
            subjects.append(self._mac("browser", client.browser))
        return subjects

    def account_subject(self, journalist_id: int) -> str:
        """A logged-in journalist's own re-authentication (the new-passphrase form): not
        shared with anonymous attempts on the username, so nobody else can block it."""
        return self._mac("account", str(journalist_id))

    def over_limit(self, session: Session, subjects: Iterable[str], now: datetime) -> bool:
        """Record one attempt against each subject; True if any now holds too many.

        Subjects are locked in sorted order, so two attempts sharing some never deadlock.
        """
        over = False
        for subject in sorted(set(subjects)):
            over = _record(session, subject, now) or over
        return over


def _lock(session: Session, subject: str, now: datetime) -> None:
    """Take the subject's row for this transaction before reading it.

    A write comes first: on PostgreSQL the UPDATE holds the row lock (concurrent
    attempts queue behind it, then read what it committed); on SQLite it takes the
    database's write lock. Counting after a plain read let 40 concurrent attempts on
    PostgreSQL see the same few earlier ones.
    """
    touch = (
        update(LoginThrottleRecord)
        .where(LoginThrottleRecord.subject == subject)
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if session.execute(touch).rowcount == 1:  # type: ignore[attr-defined]  # a CursorResult, typed as Result
        return
    try:
        with session.begin_nested():
            session.add(LoginThrottleRecord(subject=subject, recent="[]", updated_at=now))
    except IntegrityError:
        # Another attempt created it meanwhile: wait for its lock like everyone else.
        session.execute(touch)


def _record(session: Session, subject: str, now: datetime) -> bool:
    _lock(session, subject, now)
    record = session.scalars(
        select(LoginThrottleRecord)
        .where(LoginThrottleRecord.subject == subject)
        .execution_options(populate_existing=True)
    ).one()
    since = (now - THROTTLE_WINDOW).timestamp()
    recent = [float(stamp) for stamp in json.loads(record.recent) if float(stamp) > since]
    recent.append(now.timestamp())
    # Only whether the window holds more than the limit matters: keep that many, no more.
    record.recent = json.dumps(recent[-(THROTTLE_MAX_ATTEMPTS + 1):])
    return len(recent) > THROTTLE_MAX_ATTEMPTS


def purge_idle(session: Session, now: datetime) -> int:
    """Delete records with no attempt inside the window (they can no longer refuse anything)."""
    result = session.execute(delete(LoginThrottleRecord).where(LoginThrottleRecord.updated_at < now - THROTTLE_WINDOW))
    return int(result.rowcount)  # type: ignore[attr-defined]  # a CursorResult, typed as Result
