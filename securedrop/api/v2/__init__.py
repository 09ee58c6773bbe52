"""Journalist API v2 under /api/v2/: the SecureDrop Inbox's sync protocol (API_V2)."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_wtf.csrf import CSRFProtect

from securedrop.api.v2.requests import REQUEST_ID
from securedrop.api.v2.views import blueprint, login_hints

__all__ = ["blueprint", "install", "login_hints"]


def _echo_request_id(response: Response) -> Response:
    """Echo a well-formed `X-Request-ID` on every API answer; anything else is dropped
    unread (never logged or echoed: it could carry whatever a caller put there)."""
    if request.path.startswith("/api/"):
        value = request.headers.get("X-Request-ID", "")
        if REQUEST_ID.fullmatch(value):
            response.headers["X-Request-ID"] = value
    return response


def install(app: Flask, csrf: CSRFProtect) -> None:
    """Register the blueprint, exempt from CSRF like v1 (a token, no cookie); its errors
    are answered in JSON by the app's handlers, which cover all of /api/."""
    app.register_blueprint(blueprint)
    csrf.exempt(blueprint)
    app.after_request(_echo_request_id)
