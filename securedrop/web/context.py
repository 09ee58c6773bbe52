"""Per-request accessors both apps share: the app's services and its server-side session."""

from __future__ import annotations

from flask import current_app, session

from securedrop.services import Services
from securedrop.web.sessions import ServerSession


def services() -> Services:
    """The collaborators the app factory built (stored on the app, never a module global)."""
    return current_app.extensions["securedrop.services"]  # type: ignore[no-any-return]


def server_session() -> ServerSession:
    assert isinstance(session, ServerSession)
    return session
