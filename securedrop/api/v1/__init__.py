"""Journalist API v1 under /api/v1/, wire-compatible with securedrop-sdk 0.4.0."""

from __future__ import annotations

from flask import Flask

from securedrop.api.v1 import errors
from securedrop.api.v1.views import blueprint

__all__ = ["blueprint", "install"]


def install(app: Flask) -> None:
    """Register the blueprint, exempt it from CSRF (the token is its only credential;
    no cookie is ever read or set) and make every error under /api/ a JSON body.
    """
    app.register_blueprint(blueprint)
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(blueprint)
    errors.install(app)
