"""Strict security headers on every response, set by the apps themselves."""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
STATIC_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


def error_headers(exc: HTTPException) -> dict[str, str]:
    """The headers an HTTP error carries besides its body's type, for a page or JSON
    body that replaces werkzeug's: Allow (405), Content-Range (416), Retry-After,
    WWW-Authenticate."""
    return {name: value for name, value in exc.get_headers() if name.lower() != "content-type"}


def install(app: Flask, strip_validators: bool) -> None:
    """Protection must not depend on a front server being configured right.

    `strip_validators` drops ETag/Last-Modified, which could date a source's visit.
    """

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in STATIC_HEADERS.items():
            response.headers[name] = value
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        if strip_validators:
            response.headers.pop("ETag", None)
            response.headers.pop("Last-Modified", None)
        response.headers.pop("Server", None)
        return response
