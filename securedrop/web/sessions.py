"""Server-side sessions: the cookie holds a random id and a key, the database a sealed record."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
from datetime import timedelta
from typing import Any

from flask import Flask, Request, Response
from flask import request as flask_request
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.datastructures import CallbackDict

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
        self.source_id: int | None = None
        self.journalist_id: int | None = None

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


class ServerSessionInterface(SessionInterface):
    """Sessions sealed with AES-GCM under a key that exists only in the browser's cookie.

    Neither the cookie alone (it holds no data) nor the database alone (it holds no key)
    reveals anything; a stolen cookie dies with the record on expiry or logout.

    `lifetime` counts from the session's creation; with `renew_within`, a request made
    when less than that remains extends it by `lifetime`, at most `max_renewals` times.
    """

    def __init__(
        self,
        factory: sessionmaker[Session],
        app_name: str,
        lifetime: timedelta,
        renew_within: timedelta | None = None,
        max_renewals: int = 0,
    ) -> None:
        self._factory = factory
        self._app_name = app_name
        self._lifetime = lifetime
        self._renew_within = renew_within
        self._max_renewals = max_renewals

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
        with self._factory() as db:
            record = db.get(WebSession, id_hash)
            if record is None or record.app != self._app_name:
                session = ServerSession()
                session.expired = True
                return session
            if record.expires_at <= utcnow():
                db.delete(record)
                db.commit()
                session = ServerSession()
                session.expired = True
                return session
            try:
                data = json.loads(unseal(key, record.sealed, associated=id_hash.encode()))
            except (SealError, ValueError):
                session = ServerSession()
                session.expired = True
                return session
            session = ServerSession(data, id_hash, key)
            session.source_id = record.source_id
            session.journalist_id = record.journalist_id
            if self._renew_within is not None and record.expires_at - utcnow() < self._renew_within:
                renewals = int(data.get("_renewals", 0))
                if renewals < self._max_renewals:
                    session["_renewals"] = renewals + 1
                    session.renew = True
            return session

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSession)
        if is_stateless(flask_request.path):
            return
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        if session.destroyed:
            if session.id_hash:
                with self._factory() as db:
                    db.execute(delete(WebSession).where(WebSession.id_hash == session.id_hash))
                    db.commit()
            response.delete_cookie(name, domain=domain, path=path)
            return
        if not session.modified:
            return
        new_cookie = None
        with self._factory() as db:
            record = db.get(WebSession, session.id_hash) if session.id_hash else None
            if session.id_hash and record is None:
                # Killed while this request ran (logout elsewhere, password change,
                # source deleted): never write it back.
                response.delete_cookie(name, domain=domain, path=path)
                return
            if record is not None and session.regenerating:
                db.delete(record)
                record = None
            if record is None:
                if not session:
                    # Nothing worth a record; a regenerated session's old cookie goes too.
                    db.commit()
                    if session.id_hash:
                        response.delete_cookie(name, domain=domain, path=path)
                    return
                session_id, key = secrets.token_bytes(ID_BYTES), secrets.token_bytes(KEY_BYTES)
                record = WebSession(
                    id_hash=_hash_id(session_id),
                    app=self._app_name,
                    expires_at=utcnow() + self._lifetime,
                    sealed=b"",
                )
                db.add(record)
                new_cookie = _encode_cookie(session_id, key)
            else:
                assert session.key is not None
                key = session.key
                if session.renew:
                    record.expires_at = record.expires_at + self._lifetime
            record.source_id = session.source_id
            record.journalist_id = session.journalist_id
            data = json.dumps(dict(session)).encode("utf-8")
            record.sealed = seal(key, data, associated=record.id_hash.encode())
            db.commit()
        if new_cookie is not None:
            response.set_cookie(
                name,
                new_cookie,
                httponly=True,
                secure=self.get_cookie_secure(app),
                samesite="Strict",
                domain=domain,
                path=path,
            )

    @staticmethod
    def purge_expired(db: Session) -> int:
        """Delete every expired record; returns how many."""
        result = db.execute(delete(WebSession).where(WebSession.expires_at <= utcnow()))
        return int(result.rowcount)  # type: ignore[attr-defined]
