"""The journalist interface: a Flask app factory with main, col, account and admin pages."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from securedrop import i18n
from securedrop.api import install as install_api
from securedrop.config import Settings
from securedrop.journalist_app import (
    account,
    admin,
    admin_config,
    admin_languages,
    col,
    errors,
    main,
    notifications,
    onion_keys,
    system,
)
from securedrop.journalist_app.context import load_journalist
from securedrop.services import Services, build_services
from securedrop.web import headers, partials, state, transaction
from securedrop.web.sessions import Renewal, ServerSessionInterface
from securedrop.web.state import AppState, request_state

#: Replies are at most 100,000 characters and logos 512 KiB; nothing bigger is legitimate.
MAX_REQUEST_BYTES = 2 * 1024 * 1024


def create_app(settings: Settings, services: Services | None = None) -> Flask:
    """Build the journalist app. No side effects beyond creating the data directories."""
    services = build_services(settings) if services is None else replace(services, settings=settings)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.journalist_secret_key,
        SESSION_COOKIE_NAME="sd_journalist",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        WTF_CSRF_SSL_STRICT=False,  # onion services are plain HTTP at the app
        TEMPLATES_AUTO_RELOAD=settings.dev,
    )
    app.session_interface = ServerSessionInterface(
        services.sessions,
        "journalist",
        timedelta(hours=2),
        Renewal(within=timedelta(minutes=30), max_renewals=5),
    )
    csrf = CSRFProtect(app)
    locales = i18n.install(app, settings.supported_locales, settings.default_locale)
    state.install(app, AppState(services=services, locales=locales))
    transaction.install(app)
    partials.install(app)
    headers.install(app, strip_validators=False)
    app.before_request(load_journalist)
    for module in (main, col, account, admin, admin_config, admin_languages, onion_keys, notifications, system):
        app.register_blueprint(module.blueprint)
    errors.install(app)

    @app.context_processor
    def _context() -> dict[str, Any]:
        return {"current_user": request_state().journalist}

    install_api(app, csrf)
    return app
