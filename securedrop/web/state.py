"""The typed app and request state: the only module that reads Flask's app extensions or `g`."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from flask import Flask, current_app, g, session
from sqlalchemy.orm import Session

from securedrop.domain.collections import Downloads
from securedrop.domain.instance import current_config
from securedrop.domain.replies import Replies
from securedrop.domain.submissions import Submissions
from securedrop.models import InstanceConfig, Source
from securedrop.models.base import utcnow
from securedrop.models.journalists import Journalist
from securedrop.services import Services
from securedrop.web.sessions import ServerSession

if TYPE_CHECKING:
    from securedrop.api.v2.index import IndexCache
    from securedrop.storage.spool import EncryptedSpool

#: The one key under app.extensions; every value behind it is typed by AppState.
EXTENSION_KEY = "securedrop"


@dataclass
class AppState:
    """What an app factory builds once: collaborators, languages, and whether to refuse work."""

    services: Services
    locales: tuple[str, ...]
    #: Why the source app refuses submissions (no usable submission key), or None.
    offline: str | None = None
    #: Tests step through TOTP windows by replacing it; production reads the real time.
    clock: Callable[[], datetime] = utcnow
    #: The API v2 index cache (journalist app), made on first use by api.v2.views.
    api_v2_index: IndexCache | None = None
    #: Slots for CPU-heavy requests in this process (web.busy); None: no limit.
    expensive_slots: threading.BoundedSemaphore | None = None


@dataclass
class RequestState:
    """Everything one request remembers between hooks and views; gone when it ends."""

    db_session: Session | None = None
    instance_config: InstanceConfig | None = None
    source: Source | None = None
    #: The source's session expired or broke: the index says so once.
    session_lost: bool = False
    journalist: Journalist | None = None
    api_journalist: Journalist | None = None
    api_token: str | None = None
    spools: list[EncryptedSpool] = field(default_factory=list)


def install(app: Flask, state: AppState) -> None:
    app.extensions[EXTENSION_KEY] = state


def app_state(app: Flask | None = None) -> AppState:
    """The state of `app`, or of the app handling this request."""
    found = (app or current_app).extensions[EXTENSION_KEY]
    assert isinstance(found, AppState)
    return found


def set_clock(app: Flask, clock: Callable[[], datetime]) -> None:
    """Replace the app's clock (tests and benchmarks step through TOTP windows)."""
    app_state(app).clock = clock


def request_state() -> RequestState:
    """This request's state, created on first use."""
    found = g.get("securedrop")
    if found is None:
        found = RequestState()
        g.securedrop = found
    assert isinstance(found, RequestState)
    return found


def finished_request_state() -> RequestState | None:
    """Take this request's state away (at teardown), if it was ever created."""
    found = g.pop("securedrop", None)
    assert found is None or isinstance(found, RequestState)
    return found


def services() -> Services:
    """The collaborators the app factory built (stored on the app, never a module global)."""
    return app_state().services


def offline_reason() -> str | None:
    return app_state().offline


def supported_locales() -> tuple[str, ...]:
    return app_state().locales


def now() -> datetime:
    """The current time, through the app's clock."""
    return app_state().clock()


def current_db() -> Session:
    """The request's database session, opened on first use (see web.transaction)."""
    state = request_state()
    if state.db_session is None:
        state.db_session = services().sessions()
    return state.db_session


def submissions() -> Submissions:
    """The submissions service bound to this request's unit of work."""
    return services().submissions(current_db(), instance_config())


def replies() -> Replies:
    """The replies service bound to this request's unit of work."""
    return services().replies(current_db())


def downloads() -> Downloads:
    """The downloads service bound to this request's unit of work."""
    return services().downloads(current_db())


def instance_config() -> InstanceConfig:
    """The instance settings, read once per request."""
    state = request_state()
    if state.instance_config is None:
        state.instance_config = current_config(current_db())
    return state.instance_config


def server_session() -> ServerSession:
    assert isinstance(session, ServerSession)
    return session
