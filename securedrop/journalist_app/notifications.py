"""Notification settings pages: a journalist's own address, key and digest choice; admins' for anyone."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request
from flask_babel import get_locale, gettext

from securedrop.crypto.openpgp import SecretKeyGiven, UnusableKey, WeakKey
from securedrop.domain import NotFound
from securedrop.domain import journalists as accounts
from securedrop.domain import notification_settings as prefs
from securedrop.journalist_app.context import journalist
from securedrop.journalist_app.notification_forms import NotificationsForm
from securedrop.models.journalists import Journalist
from securedrop.web.state import current_db, services

blueprint = Blueprint("notifications", __name__)


def key_error(exc: prefs.KeyRejected) -> str:
    if isinstance(exc.reason, SecretKeyGiven):
        return str(gettext(
            "That is a secret key. Paste only the public key: a secret key must never reach the server."
        ))
    if isinstance(exc.reason, WeakKey):
        return str(gettext("That key is too weak: use Curve25519 or RSA of at least 3072 bits."))
    if isinstance(exc.reason, UnusableKey):
        return str(gettext("That key is expired, revoked or cannot encrypt."))
    return str(gettext("No single OpenPGP public key was found in what you pasted."))


def _target(user_id: int | None) -> Journalist:
    if user_id is None:
        return journalist()
    if not journalist().is_admin:
        abort(403, gettext("Only admins can access this page."))
    try:
        return accounts.get_journalist(current_db(), user_id)
    except NotFound:
        abort(404, gettext("No such user."))


def _render(user: Journalist, status: int = 200, form: NotificationsForm | None = None) -> tuple[str, int]:
    row = prefs.recipient_of(current_db(), user.id)
    shown = form or NotificationsForm.showing(row)
    return render_template("notifications.html", user=user, recipient=row, form=shown), status


@blueprint.route("/account/notifications", methods=["GET", "POST"], defaults={"user_id": None})
@blueprint.route("/admin/edit/<int:user_id>/notifications", methods=["GET", "POST"])
def edit(user_id: int | None) -> Any:
    user = _target(user_id)
    if request.method == "GET":
        return _render(user)
    form = NotificationsForm()
    # An admin saving for someone else keeps that person's language.
    given = form.recipient_input(str(get_locale() or "en_US") if user_id is None else _their_locale(user))
    try:
        saved = prefs.save_recipient(current_db(), user, given, services().pgp)
    except prefs.MalformedAddress:
        flash(gettext("Enter one email address, like name@example.org."), "error")
        return _render(user, 400, form)
    except prefs.KeyRejected as exc:
        flash(key_error(exc), "error")
        return _render(user, 400, form)
    if saved is None:
        flash(gettext("Notifications are off: no email address is set."), "success")
    else:
        flash(gettext("Notification settings saved."), "success")
    return redirect(request.path)


def _their_locale(user: Journalist) -> str:
    row = prefs.recipient_of(current_db(), user.id)
    return row.locale if row is not None else str(get_locale() or "en_US")
