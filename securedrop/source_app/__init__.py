"""The source interface: a Flask app factory. No JavaScript, no request logging."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from securedrop import i18n
from securedrop.config import Settings
from securedrop.crypto.openpgp import SubmissionKeyError
from securedrop.services import Services, build_services
from securedrop.source_app import errors, views
from securedrop.source_app.uploads import SpoolingRequest, close_spools
from securedrop.web import busy, headers, partials, state, transaction
from securedrop.web.sessions import ServerSessionInterface
from securedrop.web.state import AppState

#: Large uploads over Tor can take hours; a 1 h CSRF limit would refuse them.
CSRF_TIME_LIMIT = timedelta(hours=24)
#: Account creations and codename logins running at once per worker process (2 workers,
#: 2 cores): more only share the CPUs and each takes longer (bench.slow_clients measured
#: 2 against 1: fewer accounts created, slower); the rest are asked to retry (web.busy).
EXPENSIVE_REQUESTS_PER_WORKER = 1


def create_app(settings: Settings, services: Services | None = None) -> Flask:
    """Build the source app. No side effects beyond creating the data directories."""
    services = build_services(settings) if services is None else replace(services, settings=settings)
    app = Flask(__name__)
    app.request_class = SpoolingRequest
    app.config.update(
        SECRET_KEY=settings.source_secret_key,
        SESSION_COOKIE_NAME="sd_source",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        WTF_CSRF_TIME_LIMIT=int(CSRF_TIME_LIMIT.total_seconds()),
        WTF_CSRF_SSL_STRICT=False,  # onion services are plain HTTP at the app
        TEMPLATES_AUTO_RELOAD=settings.dev,
    )
    offline = None
    try:
        services.pgp.check_submission_key()
    except SubmissionKeyError as exc:
        offline = str(exc)
    app.session_interface = ServerSessionInterface(
        services.sessions, "source", timedelta(minutes=settings.source_session_minutes)
    )
    # The source app must not record anything about a source's network or timing.
    app.logger.disabled = True
    # Before CSRFProtect, which reads the whole body: a full disk refuses an upload unread.
    app.before_request(errors.refuse_uploads_when_full)
    CSRFProtect(app)
    locales = i18n.install(app, settings.supported_locales, settings.default_locale)
    state.install(app, AppState(services=services, locales=locales, offline=offline))
    transaction.install(app)
    busy.install(app, EXPENSIVE_REQUESTS_PER_WORKER)
    partials.install(app)
    headers.install(app, strip_validators=True)
    app.teardown_request(close_spools)
    app.register_blueprint(views.blueprint)
    errors.install(app)
    return app
