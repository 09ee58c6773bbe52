"""Every journalist's own account: names, a new passphrase, a new TOTP or HOTP secret."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext

from securedrop.crypto.otp import InvalidHOTPSecret
from securedrop.domain import authentication as auth
from securedrop.domain import journalists as accounts
from securedrop.journalist_app import offers, twofactor
from securedrop.journalist_app.context import journalist
from securedrop.journalist_app.forms import HOTPSecretForm, NameForm, NewPassphraseForm, TokenForm
from securedrop.models.journalists import Journalist
from securedrop.web.state import current_db, now
from securedrop.web.throttling import login_throttle
from securedrop.web.transaction import recorded_even_if_refused

blueprint = Blueprint("account", __name__, url_prefix="/account")


def hotp_secret_error() -> str:
    return str(gettext("The HOTP secret must be 40 hexadecimal characters (0-9, a-f)."))


def verify_failed() -> str:
    return str(gettext("There was a problem verifying the two-factor code. Please try again."))


def name_too_long() -> str:
    return str(gettext("Names can be at most %(num)d characters long.", num=accounts.MAX_NAME_CHARS))


@blueprint.route("/account")
def edit() -> tuple[str, int]:
    me = journalist()
    return _render_account(me)


def _render_account(me: Journalist, status: int = 200) -> tuple[str, int]:
    """The account page, its name fields showing the stored names."""
    return render_template(
        "account.html",
        offered=offers.offer(me.id),
        name_form=NameForm(formdata=None, obj=me),
        passphrase_form=NewPassphraseForm(formdata=None),
    ), status


@blueprint.route("/change-name", methods=["POST"])
def change_name() -> Any:
    form = NameForm()
    try:
        accounts.update_names(current_db(), journalist(), form.first_name.data, form.last_name.data)
    except accounts.NameTooLong:
        flash(name_too_long(), "error")
        return redirect(url_for("account.edit"))
    flash(gettext("Name updated."), "success")
    return redirect(url_for("account.edit"))


@blueprint.route("/new-password", methods=["POST"])
def new_password() -> Any:
    me = journalist()
    session = current_db()
    form = NewPassphraseForm()
    try:
        # The attempt and the consumed code count even when refused, as at login.
        with recorded_even_if_refused() as attempt:
            attempted = attempt.get(Journalist, me.id)
            assert attempted is not None  # load_journalist found it in this request
            throttle = login_throttle()
            auth.check_throttle(attempt, throttle, [throttle.account_subject(me.id)], now())
            auth.verify_credentials(
                attempt, attempted, form.current_password.data or "", form.token.data or "", now()
            )
    except auth.LoginFailed as exc:
        flash(gettext("Incorrect passphrase or two-factor code."), "error")
        if isinstance(exc, auth.LoginThrottled):
            seconds = int(auth.THROTTLE_WINDOW.total_seconds())
            flash(ngettext("Please wait at least %(num)d second before trying again.",
                           "Please wait at least %(num)d seconds before trying again.", seconds), "hint")
        return _render_account(me, 403)
    passphrase = form.password.data or ""
    try:
        accounts.set_passphrase(session, me, passphrase, offers.offered(me.id))
    except accounts.InvalidPassphrase:
        flash(gettext("The passphrase you submitted is not the one offered. Passphrase not changed."), "error")
        return _render_account(me, 400)
    offers.forget()
    # Every session of this account, this one included, has just ended.
    return render_template(
        "signed_out.html",
        message=gettext("Passphrase updated. Log in again with your new passphrase:"),
        passphrase=passphrase,
    )


@blueprint.route("/reset-2fa-totp", methods=["POST"])
def reset_totp() -> Any:
    twofactor.begin(journalist(), accounts.TwoFactor.new_totp())
    return redirect(url_for("account.verify_2fa"))


@blueprint.route("/reset-2fa-hotp", methods=["GET", "POST"])
def reset_hotp() -> Any:
    if request.method == "GET":
        return render_template("hotp_secret.html", action=url_for("account.reset_hotp"), target=journalist())
    try:
        two_factor = accounts.TwoFactor.from_hotp_hex(HOTPSecretForm().otp_secret.data or "")
    except InvalidHOTPSecret:
        flash(hotp_secret_error(), "error")
        return render_template("hotp_secret.html", action=url_for("account.reset_hotp"), target=journalist()), 400
    twofactor.begin(journalist(), two_factor)
    return redirect(url_for("account.verify_2fa"))


@blueprint.route("/verify-2fa-totp", methods=["GET", "POST"], endpoint="verify_2fa")
@blueprint.route("/verify-2fa-hotp", methods=["GET", "POST"], endpoint="verify_2fa_hotp")
def verify_2fa() -> Any:
    me = journalist()
    pending = twofactor.pending(me)
    if pending is None:
        flash(gettext("Start the two-factor reset again."), "error")
        return redirect(url_for("account.edit"))
    action = url_for("account.verify_2fa")
    if request.method == "GET":
        return twofactor.render_verify(me, pending, action)
    if not twofactor.finish(me, TokenForm().token.data or ""):
        flash(verify_failed(), "error")
        return twofactor.render_verify(me, pending, action, 400)
    return render_template(
        "signed_out.html",
        message=gettext("Your two-factor credentials have been reset. Log in again with a code from them."),
        passphrase=None,
    )
