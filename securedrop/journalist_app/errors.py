"""The journalist app's error handlers: JSON under /api/, translated HTML pages elsewhere.

One handler per exception class, registered on the app (blueprint handlers never see
routing 404/405); each looks at the path, so nothing depends on registration order.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, flash, render_template
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from securedrop.api.v1.errors import error_response, is_api_request
from securedrop.journalist_app.forms import LoginForm
from securedrop.web.headers import error_headers
from securedrop.web.state import server_session

log = logging.getLogger(__name__)


def describe(code: int) -> str:
    if code == 400:
        return str(gettext("Your request could not be understood."))
    if code == 403:
        return str(gettext("You are not allowed to do that."))
    if code == 404:
        return str(gettext("Page not found."))
    if code == 405:
        return str(gettext("That page cannot be used this way."))
    if code == 413:
        return str(gettext("The file you uploaded is too large."))
    return str(gettext("Something went wrong on our side. Please try again later."))


def install(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_failed(exc: CSRFError) -> Any:
        if is_api_request():
            return error_response(exc)  # not reached today: the API is CSRF-exempt
        # A missing or stale token may mean a forged request: end the session outright,
        # under a fresh id that keeps the new form's CSRF secret (and this notice).
        server_session().restart()
        flash(gettext("You have been logged out due to inactivity or a problem with your session."), "error")
        return render_template("login.html", form=LoginForm(formdata=None)), 400

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        if is_api_request():
            return error_response(exc)
        code = exc.code or 500
        # abort(code, message) carries a translated message; werkzeug's defaults are English.
        default = type(exc).description
        message = exc.description if exc.description and exc.description != default else describe(code)
        return render_template("error.html", code=code, description=message), code, error_headers(exc)

    @app.errorhandler(Exception)
    def internal(exc: Exception) -> Any:
        if is_api_request():
            return error_response(exc)
        log.error("unhandled error: %s", type(exc).__name__)
        return render_template("error.html", code=500, description=describe(500)), 500
