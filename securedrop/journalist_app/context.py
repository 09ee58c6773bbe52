"""Per-request helpers of the journalist app: services, clock, the logged-in journalist."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from securedrop.models.journalists import Journalist
from securedrop.web.sessions import is_stateless
from securedrop.web.state import current_db, request_state, server_session

#: Endpoints reachable without logging in.
PUBLIC_ENDPOINTS = {"main.login", "main.robots", "main.logo", "static"}


def journalist() -> Journalist:
    """The logged-in journalist (only inside login_required views)."""
    found = request_state().journalist
    assert found is not None
    return found


def logged_out(message: str | None = None) -> Response:
    server_session().restart()
    if message:
        flash(message, "error")
    return redirect(url_for("main.login"))


def load_journalist() -> Response | None:
    """Before each request: who is logged in; everyone else goes to the login page."""
    state = request_state()
    state.journalist = None
    if is_stateless(request.path):
        return None  # the API authenticates each call by token; static files are public
    sess = server_session()
    if sess.journalist_id is not None:
        found = current_db().get(Journalist, sess.journalist_id)
        if found is None:
            return logged_out(gettext("You have been logged out due to inactivity."))
        state.journalist = found
        return None
    if request.endpoint in PUBLIC_ENDPOINTS:
        if sess.expired and request.endpoint == "main.login" and request.method == "GET":
            flash(gettext("You have been logged out due to inactivity."), "error")
        return None
    if sess.expired:
        return logged_out(gettext("You have been logged out due to inactivity."))
    return redirect(url_for("main.login"))


def require_admin() -> Response | None:
    """A blueprint's before_request: everyone but admins is sent back to the index."""
    if not journalist().is_admin:
        flash(gettext("Only admins can access this page."), "error")
        return redirect(url_for("main.index"))
    return None


def render_error(message: str, status: int) -> tuple[str, int]:
    return render_template("error.html", code=status, description=message), status
