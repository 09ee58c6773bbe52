"""The journalist interface: a Flask app factory (its pages arrive with the next issue)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from flask import Flask, render_template
from flask_wtf.csrf import CSRFProtect

from securedrop import i18n
from securedrop.config import Settings
from securedrop.services import Services, build_services
from securedrop.web import headers, transaction
from securedrop.web.sessions import ServerSessionInterface


def create_app(settings: Settings, services: Services | None = None) -> Flask:
    services = build_services(settings) if services is None else replace(services, settings=settings)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.journalist_secret_key,
        SESSION_COOKIE_NAME="sd_journalist",
        WTF_CSRF_SSL_STRICT=False,
    )
    app.extensions["securedrop.services"] = services
    app.session_interface = ServerSessionInterface(
        services.sessions,
        "journalist",
        timedelta(hours=2),
        renew_within=timedelta(minutes=30),
        max_renewals=5,
    )
    CSRFProtect(app)
    i18n.install(app, settings.supported_locales, settings.default_locale)
    transaction.install(app, services.sessions)
    headers.install(app, strip_validators=False)

    @app.route("/")
    @app.route("/login")
    def login() -> str:
        return render_template("login_placeholder.html")

    return app
