"""Friendly, translated error pages for the source interface; nothing about the request is logged."""

from __future__ import annotations

from flask import Flask, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from securedrop.crypto.openpgp import SubmissionKeyError
from securedrop.source_app.sessions import logged_out_notice, reset_session
from securedrop.storage.space import is_out_of_space, nearly_full
from securedrop.web.headers import error_headers
from securedrop.web.state import services


def install(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_failed(_exc: CSRFError) -> Response:
        # A stale or missing token ends the session, as an expired one would.
        reset_session()
        logged_out_notice()
        return redirect(url_for("main.index"))

    @app.errorhandler(404)
    def not_found(_exc: HTTPException) -> tuple[str, int]:
        return render_template("notfound.html"), 404

    @app.errorhandler(413)
    def too_large(_exc: HTTPException) -> tuple[str, int]:
        return render_template("toolarge.html"), 413

    @app.errorhandler(SubmissionKeyError)
    def offline(_exc: SubmissionKeyError) -> tuple[str, int]:
        return render_template("offline.html"), 503

    @app.errorhandler(OSError)
    def os_error(exc: OSError) -> tuple[str, int, dict[str, str]] | tuple[str, int]:
        if is_out_of_space(exc):
            return cannot_store()
        return render_template("error.html", code=500, description=_describe(500)), 500

    @app.errorhandler(HTTPException)
    def other_http(exc: HTTPException) -> tuple[str, int, dict[str, str]]:
        code = exc.code or 500
        return render_template("error.html", code=code, description=_describe(code)), code, error_headers(exc)

    @app.errorhandler(Exception)
    def internal(_exc: Exception) -> tuple[str, int]:
        return render_template("error.html", code=500, description=_describe(500)), 500


def cannot_store() -> tuple[str, int, dict[str, str]]:
    """The page a source gets when the server has no room for what they send (nothing was stored)."""
    description = gettext("The server cannot accept files right now; please try again later.")
    return render_template("error.html", code=503, description=description), 503, {"Retry-After": "3600"}


def refuse_uploads_when_full() -> tuple[str, int, dict[str, str]] | None:
    """Refuse a submission while the data directory is over 90 % full, before its body is read."""
    if request.method == "POST" and request.endpoint == "main.submit" and nearly_full(services().settings.data_dir):
        return cannot_store()
    return None


def _describe(code: int) -> str:
    if code == 403:
        return str(gettext("You are not allowed to do that."))
    if code == 405:
        return str(gettext("That page cannot be used this way."))
    if code == 400:
        return str(gettext("Your request could not be understood."))
    return str(gettext("Something went wrong on our side. Please try again later."))


