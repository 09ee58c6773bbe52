"""Admin pages: accounts of other journalists, their 2FA and passphrases, instance settings."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from securedrop.crypto.otp import InvalidHOTPSecret
from securedrop.domain import NotFound
from securedrop.domain import journalists as accounts
from securedrop.domain.authentication import DELETED_USERNAME
from securedrop.journalist_app import offers, twofactor
from securedrop.journalist_app.account import hotp_secret_error, name_too_long, verify_failed
from securedrop.journalist_app.context import journalist, require_admin
from securedrop.journalist_app.forms import (
    AccountForm,
    HOTPSecretForm,
    NewAccountForm,
    OfferedPassphraseForm,
    TokenForm,
    UserIdForm,
)
from securedrop.models.journalists import Journalist
from securedrop.web.state import current_db

log = logging.getLogger(__name__)
blueprint = Blueprint("admin", __name__, url_prefix="/admin")


blueprint.before_request(require_admin)


def _user(user_id: int) -> Journalist:
    try:
        user = accounts.get_journalist(current_db(), user_id)
    except NotFound:
        abort(404, gettext("No such user."))
    if user.username == DELETED_USERNAME:
        abort(403, gettext("This account cannot be changed."))
    return user


def _user_from(form: UserIdForm) -> Journalist:
    user_id = form.user_id()
    if user_id is None:
        abort(400, gettext("No such user."))
    return _user(user_id)


def _account_error(exc: accounts.AccountError) -> str:
    if isinstance(exc, accounts.UsernameTaken):
        return str(gettext('Username "%(username)s" already taken.', username=exc.username))
    if isinstance(exc, accounts.InvalidUsername):
        return str(gettext('Usernames must be %(min)d to %(max)d characters long and cannot be "deleted".',
                       min=accounts.MIN_USERNAME_CHARS, max=accounts.MAX_USERNAME_CHARS))
    if isinstance(exc, accounts.NameTooLong):
        return name_too_long()
    if isinstance(exc, accounts.InvalidPassphrase):
        return str(gettext("The passphrase you submitted is not the one offered. Please try again."))
    return str(gettext("This account cannot be changed."))


@blueprint.route("/")
def index() -> str:
    return render_template("admin.html", users=accounts.list_journalists(current_db()))


@blueprint.route("/add", methods=["GET", "POST"])
def add_user() -> Any:
    if request.method == "GET":
        return render_template("admin_add.html", offered=offers.offer("new"), form=NewAccountForm(formdata=None))
    form = NewAccountForm()
    try:
        if form.wants_hotp():
            two_factor = accounts.TwoFactor.from_hotp_hex(form.otp_secret.data or "")
        else:
            two_factor = accounts.TwoFactor.new_totp()
    except InvalidHOTPSecret:
        flash(hotp_secret_error(), "error")
        return render_template("admin_add.html", offered=offers.offer("new"), form=form), 400
    try:
        user = accounts.create_journalist(current_db(), accounts.NewAccount(
            username=form.username.data or "",
            passphrase=form.password.data or "",
            offered=offers.offered("new"),
            two_factor=two_factor,
            is_admin=bool(form.is_admin.data),
            first_name=form.first_name.data,
            last_name=form.last_name.data,
        ))
    except accounts.AccountError as exc:
        flash(_account_error(exc), "error")
        return render_template("admin_add.html", offered=offers.offer("new"), form=form), 400
    offers.forget()
    twofactor.begin(user, two_factor)
    flash(gettext('The account "%(username)s" was added. Verify its two-factor code now.',
                  username=user.username), "success")
    return redirect(url_for("admin.verify_2fa", uid=user.id))


@blueprint.route("/edit/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int) -> Any:
    user = _user(user_id)
    if request.method == "POST":
        form = AccountForm()
        try:
            accounts.update_account(current_db(), user, accounts.AccountEdit(
                username=form.username.data or "",
                first_name=form.first_name.data,
                last_name=form.last_name.data,
                is_admin=bool(form.is_admin.data),
            ))
        except accounts.AccountError as exc:
            flash(_account_error(exc), "error")
            return _render_edit(user, 400)
        flash(gettext("Account updated."), "success")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    return _render_edit(user)


def _render_edit(user: Journalist, status: int = 200, new_passphrase: str | None = None) -> tuple[str, int]:
    offered = offers.offer(user.id) if user.id != journalist().id else None
    return render_template("admin_edit.html", user=user, offered=offered, new_passphrase=new_passphrase), status


@blueprint.route("/edit/<int:user_id>/new-password", methods=["POST"])
def set_password(user_id: int) -> Any:
    user = _user(user_id)
    if user.id == journalist().id:
        abort(403, gettext("Change your own passphrase on your account page."))
    passphrase = OfferedPassphraseForm().password.data or ""
    try:
        accounts.set_passphrase(current_db(), user, passphrase, offers.offered(user.id))
    except accounts.AccountError as exc:
        flash(_account_error(exc), "error")
        return _render_edit(user, 400)
    flash(gettext("Passphrase updated. Every session of this account has ended."), "success")
    return _render_edit(user, new_passphrase=passphrase)


@blueprint.route("/reset-2fa-totp", methods=["POST"])
def reset_totp() -> Response:
    user = _user_from(UserIdForm())
    twofactor.begin(user, accounts.TwoFactor.new_totp())
    return redirect(url_for("admin.verify_2fa", uid=user.id))


@blueprint.route("/reset-2fa-hotp", methods=["GET", "POST"])
def reset_hotp() -> Any:
    if request.method == "GET":
        try:
            user = _user(int(request.args.get("uid", "")))
        except ValueError:
            abort(400, gettext("No such user."))
        return render_template("hotp_secret.html", action=url_for("admin.reset_hotp"), target=user)
    form = HOTPSecretForm()
    user = _user_from(form)
    try:
        two_factor = accounts.TwoFactor.from_hotp_hex(form.otp_secret.data or "")
    except InvalidHOTPSecret:
        flash(hotp_secret_error(), "error")
        return render_template("hotp_secret.html", action=url_for("admin.reset_hotp"), target=user), 400
    twofactor.begin(user, two_factor)
    return redirect(url_for("admin.verify_2fa", uid=user.id))


@blueprint.route("/verify-2fa", methods=["GET", "POST"])
def verify_2fa() -> Any:
    try:
        user = _user(int(request.values.get("uid", "")))
    except ValueError:
        abort(400, gettext("No such user."))
    pending = twofactor.pending(user)
    if pending is None:
        flash(gettext("Start the two-factor reset again."), "error")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    action = url_for("admin.verify_2fa", uid=user.id)
    if request.method == "GET":
        return twofactor.render_verify(user, pending, action)
    if not twofactor.finish(user, TokenForm().token.data or ""):
        flash(verify_failed(), "error")
        return twofactor.render_verify(user, pending, action, 400)
    if user.id == journalist().id:
        return render_template(
            "signed_out.html",
            message=gettext("Your two-factor credentials have been reset. Log in again with a code from them."),
            passphrase=None,
        )
    flash(gettext('The two-factor code for "%(username)s" was verified.', username=user.username), "success")
    return redirect(url_for("admin.index"))


@blueprint.route("/delete/<int:user_id>", methods=["POST"])
def delete_user(user_id: int) -> Response:
    try:
        user = accounts.get_journalist(current_db(), user_id)
    except NotFound:
        abort(404, gettext("No such user."))
    try:
        accounts.delete_journalist(current_db(), user, journalist())
    except accounts.ProtectedAccount:
        abort(403, gettext("This account cannot be deleted."))
    flash(gettext('Deleted user "%(username)s".', username=user.username), "notification")
    return redirect(url_for("admin.index"))
