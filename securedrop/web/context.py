"""Per-request accessors the apps and the API share: services, instance settings, clock, session."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import current_app, g, session

from securedrop.domain.instance import current_config
from securedrop.models import InstanceConfig
from securedrop.models.base import utcnow
from securedrop.services import Services
from securedrop.web.sessions import ServerSession
from securedrop.web.transaction import current_db


def services() -> Services:
    """The collaborators the app factory built (stored on the app, never a module global)."""
    return current_app.extensions["securedrop.services"]  # type: ignore[no-any-return]


def instance_config() -> InstanceConfig:
    """The instance settings, read once per request."""
    if "instance_config" not in g:
        g.instance_config = current_config(current_db())
    return g.instance_config  # type: ignore[no-any-return]


def now() -> datetime:
    """The current time; tests may set SECUREDROP_CLOCK to step through TOTP windows."""
    clock: Callable[[], datetime] | None = current_app.config.get("SECUREDROP_CLOCK")
    return clock() if clock is not None else utcnow()


def server_session() -> ServerSession:
    assert isinstance(session, ServerSession)
    return session
