"""Server-side sessions: the cookie holds a random id and a key, the database a sealed record."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
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

ID_BYTES = 32
KEY_BYTES = 32
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
    def worth_keeping(self) -> bool:
        """Persist whenever there is data or an identity."""
        return bool(self) or self._source_id is not None or self._journalist_id is not None

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


def _encode_cookie(session_id: bytes, key: bytes) -> str:
    return base64.urlsafe_b64encode(session_id + key).decode("ascii").rstrip("=")


def _decode_cookie(value: str) -> tuple[bytes, bytes] | None:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) != ID_BYTES + KEY_BYTES:
        return None
    return raw[:ID_BYTES], raw[ID_BYTES:]


def _hash_id(session_id: bytes) -> str:
    return hashlib.sha256(session_id).hexdigest()


def _write(record: WebSession, key: bytes, session: ServerSession) -> None:
    """Identity into columns (so deletions can find the record), the rest sealed."""
    record.source_id = session.source_id
    record.journalist_id = session.journalist_id
    data = json.dumps(dict(session)).encode("utf-8")
    record.sealed = seal(key, data, associated=record.id_hash.encode())


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
    reveals anything; a stolen cookie dies with the record on expiry or logout.

    `lifetime` counts from the session's creation; `renewal` may extend it.

    Records are read and written in units of work of their own (db.unit_of_work): Flask
    saves the session after the request's own transaction has ended, and a session must
    be written even when the request failed (a flashed "login failed", a restart after a
    CSRF error). A record is kept whenever it holds data or an identity.
    """

    def __init__(
        self, factory: sessionmaker[Session], app_name: str, lifetime: timedelta, renewal: Renewal | None = None
    ) -> None:
        self._factory = factory
        self._app_name = app_name
        self._lifetime = lifetime
        self._renewal = renewal

    def _key_from_request(self, app: Flask, request: Request) -> tuple[bytes, bytes] | None:
        value = request.cookies.get(self.get_cookie_name(app))
        return None if value is None else _decode_cookie(value)

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        if is_stateless(request.path):
            return ServerSession()
        decoded = self._key_from_request(app, request)
        if decoded is None:
            return ServerSession()
        session_id, key = decoded
        id_hash = _hash_id(session_id)
        with db.unit_of_work(self._factory) as unit:
            record = unit.get(WebSession, id_hash)
            if record is None or record.app != self._app_name:
                return ServerSession.lost()
            if record.expires_at <= utcnow():
                unit.delete(record)
                return ServerSession.lost()
            try:
                data = json.loads(unseal(key, record.sealed, associated=id_hash.encode()))
            except (SealError, ValueError):
                return ServerSession.lost()
            session = ServerSession(data, id_hash, key)
            session.load_identity(source_id=record.source_id, journalist_id=record.journalist_id)
            self._mark_renewal(session, record)
            return session

    def _mark_renewal(self, session: ServerSession, record: WebSession) -> None:
        renewal = self._renewal
        if renewal is None or record.expires_at - utcnow() >= renewal.within:
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
            self._save(session, cookie)

    def _save(self, session: ServerSession, cookie: _Cookie) -> None:
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
            elif session.worth_keeping:
                cookie.set(self.create(unit, session))
            elif session.id_hash:
                cookie.delete()  # a regenerated session with nothing to keep: its old cookie goes

    def create(self, unit: Session, session: ServerSession) -> str:
        """A new record for `session` under a fresh id and key; returns the cookie value."""
        session_id, key = secrets.token_bytes(ID_BYTES), secrets.token_bytes(KEY_BYTES)
        record = WebSession(
            id_hash=_hash_id(session_id), app=self._app_name, expires_at=utcnow() + self._lifetime, sealed=b""
        )
        unit.add(record)
        _write(record, key, session)
        return _encode_cookie(session_id, key)

    def update(self, unit: Session, record: WebSession, session: ServerSession) -> None:
        """Write `session` back into its record, extended if a renewal is due."""
        assert session.key is not None
        if session.renew:
            record.expires_at = record.expires_at + self._lifetime
        _write(record, session.key, session)

    def destroy(self, session: ServerSession) -> None:
        """Delete the record (if any): the cookie that pointed at it is worthless."""
        if session.id_hash:
            with db.unit_of_work(self._factory) as unit:
                unit.execute(delete(WebSession).where(WebSession.id_hash == session.id_hash))

    @staticmethod
    def purge_expired(db: Session) -> int:
        """Delete every expired record; returns how many."""
        result = db.execute(delete(WebSession).where(WebSession.expires_at <= utcnow()))
        return int(result.rowcount)  # type: ignore[attr-defined]  # a CursorResult, typed as Result
