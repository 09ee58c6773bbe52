"""Sessions: a server-side record sealed under a key only the cookie holds, or, for an
anonymous visitor, a small sealed cookie and no server state at all."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, Request, Response
from flask import request as flask_request
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.datastructures import CallbackDict

from securedrop import db
from securedrop.crypto.sealing import SealError, seal, unseal
from securedrop.models import WebSession
from securedrop.models.base import utcnow
from securedrop.web.session_cookies import (
    ID_BYTES,
    KEY_BYTES,
    anonymous_key,
    decode_anonymous_cookie,
    decode_record_cookie,
    encode_anonymous_cookie,
    encode_record_cookie,
    fits_in_browser,
)

#: Granularity of the clear purge time of a record (see purge_bucket).
PURGE_BUCKET = timedelta(hours=1)
#: Paths that never touch a session: no record is read or written and no cookie is set.
#: The journalist API authenticates by token alone; static files need nobody (and must
#: not spend a session's renewals or cost a database read per stylesheet).
STATELESS_PREFIXES = ("/api/", "/static/")


def is_stateless(path: str) -> bool:
    return path.startswith(STATELESS_PREFIXES)


class ServerSession(CallbackDict[str, Any], SessionMixin):
    """A session dict that remembers whether it changed, expired, or needs a new id."""

    def __init__(
        self, initial: dict[str, Any] | None = None, id_hash: str | None = None, key: bytes | None = None
    ) -> None:
        def on_update(_self: CallbackDict[str, Any]) -> None:
            self.modified = True

        super().__init__(initial or {}, on_update)
        self.id_hash = id_hash
        self.key = key
        self.modified = False
        #: The browser presented a session that has since expired or was killed.
        self.expired = False
        self.regenerating = False
        self.destroyed = False
        self.renew = False
        #: Exact end of a server-side record's life (sealed in it); None until saved.
        self.expires_at: datetime | None = None
        #: This session came from (or goes to) an anonymous cookie, not a record.
        self.in_browser = False
        self._source_id: int | None = None
        self._journalist_id: int | None = None

    @classmethod
    def lost(cls) -> ServerSession:
        """An empty session standing for one the browser presented but that is gone."""
        session = cls()
        session.expired = True
        return session

    def load_identity(self, source_id: int | None, journalist_id: int | None) -> None:
        """Who the stored record belongs to (reading it does not modify the session)."""
        self._source_id, self._journalist_id = source_id, journalist_id

    @property
    def source_id(self) -> int | None:
        return self._source_id

    @source_id.setter
    def source_id(self, value: int | None) -> None:
        self._source_id = value
        self.modified = True

    @property
    def journalist_id(self) -> int | None:
        return self._journalist_id

    @journalist_id.setter
    def journalist_id(self, value: int | None) -> None:
        self._journalist_id = value
        self.modified = True

    @property
    def needs_record(self) -> bool:
        """An identity, or data that must not leave the server, needs a server-side record;
        anything else an anonymous visitor's session holds stays in the browser."""
        return self._source_id is not None or self._journalist_id is not None or not fits_in_browser(self)

    def regenerate(self) -> None:
        """Give this session a new id and a fresh lifetime at the next save (against
        fixation at login)."""
        self.regenerating = True
        self.modified = True

    def restart(self) -> None:
        """Forget everything but the chosen language, under a fresh id and lifetime.

        Used at login (against session fixation) and at logout or a broken session.
        """
        locale = self.get("locale")
        self.clear()
        self.source_id = None
        self.journalist_id = None
        self.regenerate()
        if locale:
            self["locale"] = locale

    def destroy(self) -> None:
        """Delete the record and the cookie at the end of this request."""
        self.clear()
        self.destroyed = True


def _hash_id(session_id: bytes) -> str:
    return hashlib.sha256(session_id).hexdigest()


#: Kept only for tests and callers that read a record cookie.
_decode_cookie = decode_record_cookie


def purge_bucket(expires_at: datetime) -> datetime:
    """The coarse time after which the worker may delete a record expiring at `expires_at`.

    The exact expiry is sealed; the clear column says only "some session of this app ends
    within this hour", shared by every session ending in it, so it cannot single out or
    time one login.
    """
    return expires_at.replace(minute=0, second=0, microsecond=0) + PURGE_BUCKET


def seal_record(record: WebSession, key: bytes, session: ServerSession) -> None:
    """Everything sealed (data, identity, exact expiry); only the journalist's id stays in
    the clear, so that a password change or deletion can end that journalist's sessions."""
    assert session.expires_at is not None
    record.journalist_id = session.journalist_id
    record.purge_after = purge_bucket(session.expires_at)
    payload = {
        "data": dict(session),
        "source_id": session.source_id,
        "journalist_id": session.journalist_id,
        "expires": session.expires_at.timestamp(),
    }
    record.sealed = seal(key, json.dumps(payload).encode("utf-8"), associated=record.id_hash.encode())


def unseal_record(record: WebSession, key: bytes) -> ServerSession:
    """The session sealed in `record`.

    Raises:
        SealError: the record was altered or the key is wrong.
        ValueError: the sealed payload is not a session.
    """
    payload = json.loads(unseal(key, record.sealed, associated=record.id_hash.encode()))
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
        raise ValueError("not a sealed session")
    session = ServerSession(payload["data"], record.id_hash, key)
    session.load_identity(source_id=payload.get("source_id"), journalist_id=payload.get("journalist_id"))
    session.expires_at = datetime.fromtimestamp(float(payload["expires"]), UTC)
    return session


@dataclass(frozen=True)
class Renewal:
    """A request made when less than `within` remains extends the session by its
    lifetime, at most `max_renewals` times."""

    within: timedelta
    max_renewals: int


class _Cookie:
    """Sets or deletes this app's session cookie on one response."""

    def __init__(self, interface: SessionInterface, app: Flask, response: Response) -> None:
        self._interface, self._app, self._response = interface, app, response

    def set(self, value: str) -> None:
        self._response.set_cookie(
            self._interface.get_cookie_name(self._app),
            value,
            httponly=True,
            secure=self._interface.get_cookie_secure(self._app),
            samesite="Strict",
            domain=self._interface.get_cookie_domain(self._app),
            path=self._interface.get_cookie_path(self._app),
        )

    def delete(self) -> None:
        self._response.delete_cookie(
            self._interface.get_cookie_name(self._app),
            domain=self._interface.get_cookie_domain(self._app),
            path=self._interface.get_cookie_path(self._app),
        )


class ServerSessionInterface(SessionInterface):
    """Sessions sealed with AES-GCM under a key that exists only in the browser's cookie.

    Neither the cookie alone (it holds no data) nor the database alone (it holds no key)
    reveals anything; a stolen cookie dies with the record on expiry or logout. A record's
    clear columns say which app it belongs to, a coarse purge hour and, for journalists,
    whose it is; which source it belongs to and when it expires are sealed.

    An anonymous visitor (no identity, nothing but a CSRF secret, a language and notices)
    gets no record: that data travels sealed in the cookie (see session_cookies).

    `lifetime` counts from the session's creation; `renewal` may extend it.

    Records are read and written in units of work of their own (db.unit_of_work): Flask
    saves the session after the request's own transaction has ended, and a session must
    be written even when the request failed (a flashed "login failed", a restart after a
    CSRF error).
    """

    def __init__(
        self, factory: sessionmaker[Session], app_name: str, lifetime: timedelta, renewal: Renewal | None = None
    ) -> None:
        self._factory = factory
        self._app_name = app_name
        self._lifetime = lifetime
        self._renewal = renewal

    def _anonymous_key(self, app: Flask) -> bytes:
        assert app.secret_key is not None
        return anonymous_key(app.secret_key)

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        if is_stateless(request.path):
            return ServerSession()
        value = request.cookies.get(self.get_cookie_name(app))
        if value is None:
            return ServerSession()
        visitor = decode_anonymous_cookie(self._anonymous_key(app), self._app_name, value)
        if visitor is not None:
            session = ServerSession(visitor)
            session.in_browser = True
            return session
        decoded = decode_record_cookie(value)
        if decoded is None:
            return ServerSession()
        return self._open_record(*decoded)

    def _open_record(self, session_id: bytes, key: bytes) -> ServerSession:
        id_hash = _hash_id(session_id)
        now = utcnow()
        with db.unit_of_work(self._factory) as unit:
            record = unit.get(WebSession, id_hash)
            if record is None or record.app != self._app_name:
                return ServerSession.lost()
            try:
                session = unseal_record(record, key)
            except (SealError, ValueError, KeyError, TypeError):
                return ServerSession.lost()
            assert session.expires_at is not None
            if record.purge_after <= now or session.expires_at <= now:
                unit.delete(record)
                return ServerSession.lost()
            self._mark_renewal(session, now)
            return session

    def _mark_renewal(self, session: ServerSession, now: datetime) -> None:
        renewal = self._renewal
        if renewal is None or session.expires_at is None or session.expires_at - now >= renewal.within:
            return
        renewals = int(session.get("_renewals", 0))
        if renewals < renewal.max_renewals:
            session["_renewals"] = renewals + 1
            session.renew = True

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSession)
        if is_stateless(flask_request.path):
            return
        cookie = _Cookie(self, app, response)
        if session.destroyed:
            self.destroy(session)
            cookie.delete()
        elif session.modified:
            if session.id_hash is None and not session.needs_record:
                self._keep_in_browser(app, session, cookie)  # no database work at all
            else:
                self._save(app, session, cookie)

    def _keep_in_browser(self, app: Flask, session: ServerSession, cookie: _Cookie) -> None:
        if session:
            cookie.set(encode_anonymous_cookie(self._anonymous_key(app), self._app_name, session))
        elif session.in_browser or session.id_hash:
            cookie.delete()

    def _save(self, app: Flask, session: ServerSession, cookie: _Cookie) -> None:
        """Update the record, or replace it (new id) when regenerating, or create one."""
        with db.unit_of_work(self._factory) as unit:
            record = unit.get(WebSession, session.id_hash) if session.id_hash else None
            if session.id_hash and record is None:
                # Killed while this request ran (logout elsewhere, password change,
                # source deleted): never write it back.
                cookie.delete()
                return
            if record is not None and session.regenerating:
                unit.delete(record)
                record = None
            if record is not None:
                self.update(unit, record, session)
                return
            if session.needs_record:
                cookie.set(self.create(unit, session))
                return
        # A regenerated session left with what an anonymous visitor holds: back to the browser.
        self._keep_in_browser(app, session, cookie)

    def create(self, unit: Session, session: ServerSession) -> str:
        """A new record for `session` under a fresh id and key; returns the cookie value."""
        session_id, key = secrets.token_bytes(ID_BYTES), secrets.token_bytes(KEY_BYTES)
        session.expires_at = utcnow() + self._lifetime
        record = WebSession(id_hash=_hash_id(session_id), app=self._app_name, purge_after=session.expires_at,
                            sealed=b"")
        seal_record(record, key, session)
        unit.add(record)
        return encode_record_cookie(session_id, key)

    def update(self, unit: Session, record: WebSession, session: ServerSession) -> None:
        """Write `session` back into its record, extended if a renewal is due."""
        assert session.key is not None and session.expires_at is not None
        if session.renew:
            session.expires_at = session.expires_at + self._lifetime
        seal_record(record, session.key, session)

    def destroy(self, session: ServerSession) -> None:
        """Delete the record (if any): the cookie that pointed at it is worthless."""
        if session.id_hash:
            with db.unit_of_work(self._factory) as unit:
                unit.execute(delete(WebSession).where(WebSession.id_hash == session.id_hash))

    @staticmethod
    def purge_expired(db: Session) -> int:
        """Delete every record whose purge hour has passed; returns how many.

        A record is refused as soon as its sealed expiry passes; it lingers, useless
        without its cookie, until the end of its purge hour at most.
        """
        result = db.execute(delete(WebSession).where(WebSession.purge_after <= utcnow()))
        return int(result.rowcount)  # type: ignore[attr-defined]  # a CursorResult, typed as Result
