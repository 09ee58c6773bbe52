"""Login, logout, the index of sources, replies, the logo and robots.txt."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext, ngettext
from werkzeug.exceptions import NotFound as HTTPNotFound

from securedrop.crypto.openpgp import OpenPGPError
from securedrop.domain import NotFound, ReplyRejected, retention
from securedrop.domain import authentication as auth
from securedrop.domain.instance import logo_path
from securedrop.domain.listings import list_sources
from securedrop.domain.replies import MAX_REPLY_CHARS
from securedrop.domain.sources import live_source_by_filesystem_id
from securedrop.journalist_app.context import journalist, render_error
from securedrop.journalist_app.forms import LoginForm, ReplyForm
from securedrop.web.state import current_db, now, replies, server_session, services
from securedrop.web.throttling import browser_client, login_throttle, remember_device
from securedrop.web.transaction import recorded_even_if_refused

blueprint = Blueprint("main", __name__)

SELECTIONS = ("all", "none", "unread")


def login_failed_hint(exc: auth.LoginFailed) -> str:
    if isinstance(exc, auth.LoginThrottled):
        seconds = int(auth.THROTTLE_WINDOW.total_seconds())
        return str(ngettext("Please wait at least %(num)d second before logging in again.",
                            "Please wait at least %(num)d seconds before logging in again.", seconds))
    return str(gettext("Please wait for a new code from your two-factor mobile app or security key "
                   "before trying again."))


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    sess = server_session()
    if sess.journalist_id is not None:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if request.method == "GET":
        return render_template("login.html", form=form)
    username = (form.username.data or "").strip()
    try:
        # The attempt and the consumed code are kept even when the login is refused.
        with recorded_even_if_refused() as attempt:
            submitted = auth.LoginRequest(username, form.password.data or "", form.token.data or "", browser_client())
            found = auth.authenticate(attempt, submitted, login_throttle(), now())
    except auth.LoginFailed as exc:
        flash(gettext("Login failed."), "error")
        flash(login_failed_hint(exc), "hint")
        form.username.data = username
        return render_template("login.html", form=form), 401
    sess.restart()  # a new session id at login: no fixation
    sess.journalist_id = found.id  # an identity is always persisted
    return remember_device(redirect(url_for("main.index")), found.username)


@blueprint.route("/logout", methods=["POST"])
def logout() -> Any:
    server_session().destroy()
    return redirect(url_for("main.login"))


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


@blueprint.route("/")
def index() -> str:
    designation_filter = request.args.get("filter", "")
    selection = request.args.get("select", "")
    session = current_db()
    # ?expiring=1: only the sources retention deletes within WARNING_DAYS.
    expiring_only = retention.expiring_condition(session, now()) if request.args.get("expiring") else None
    page = list_sources(session, journalist().id, designation_filter, _page_number(), expiring_only)
    return render_template(
        "index.html",
        page=page,
        designation_filter=designation_filter,
        selection=selection if selection in SELECTIONS else "",
        expiring=retention.upcoming(session, [row.filesystem_id for row in page.rows], now()),
        expiring_only=expiring_only is not None,
        retention_on=retention.retention_period(session) is not None,
    )


@blueprint.route("/reply", methods=["POST"])
def reply() -> Any:
    try:
        form = ReplyForm()
        source = live_source_by_filesystem_id(current_db(), form.filesystem_id.data or "")
    except NotFound:
        return render_error(gettext("No source with that ID could be found."), 404)
    text = form.message.data or ""
    try:
        replies().send(source, journalist(), text)
    except ReplyRejected:
        if text.strip():
            flash(gettext("Your reply is longer than %(num)d characters.", num=MAX_REPLY_CHARS), "error")
        else:
            flash(gettext("You cannot send an empty reply."), "error")
        return redirect(url_for("col.col", filesystem_id=source.filesystem_id))
    except OpenPGPError:
        return render_error(gettext("An unexpected error occurred! Please inform your admin."), 500)
    flash(gettext("The source will receive your reply next time they log in."), "success")
    return redirect(url_for("col.col", filesystem_id=source.filesystem_id))


@blueprint.route("/org-logo")
def logo() -> Response:
    path = logo_path(services().settings.data_dir)
    if not path.is_file():
        raise HTTPNotFound()
    return send_file(path, mimetype="image/png", max_age=300)


@blueprint.route("/robots.txt")
def robots() -> Response:
    return Response("User-agent: *\nDisallow: /\n", mimetype="text/plain")
