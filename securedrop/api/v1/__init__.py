"""Journalist API v1 under /api/v1/, wire-compatible with securedrop-sdk 0.4.0."""

from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from securedrop.api.v1.views import blueprint

__all__ = ["blueprint", "install"]


def install(app: Flask, csrf: CSRFProtect) -> None:
    """Register the blueprint and exempt it from CSRF (the token is its only credential;
    no cookie is ever read or set). Its errors are answered in JSON by the app's error
    handlers (journalist_app.errors), which look at the path.
    """
    app.register_blueprint(blueprint)
    csrf.exempt(blueprint)
