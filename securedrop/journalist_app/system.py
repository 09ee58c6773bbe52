"""Admin pages for mail: the outgoing relay, a test email, the test alert, and the System page."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext, ngettext

from securedrop.domain import mail_relay as relays
from securedrop.domain import outbox
from securedrop.domain.alerts import queue_test_alert
from securedrop.domain.notification_texts import alert_subject
from securedrop.domain.system_facts import active_conditions, gather
from securedrop.journalist_app.context import require_admin
from securedrop.journalist_app.notification_forms import MailRelayForm, TestEmailForm
from securedrop.mail import (
    InsecureRelay,
    MailError,
    RecipientRefused,
    RelayAuthFailed,
    RelayRefused,
    RelayUnreachable,
    TLSFailed,
    transport,
)
from securedrop.mail.message import build, parse_address
from securedrop.web.state import current_db, now, services

blueprint = Blueprint("system", __name__, url_prefix="/admin")
blueprint.before_request(require_admin)

#: A request waits at most this long for the relay (the worker allows longer).
CHECK_TIMEOUT_SECONDS = 10.0


def mail_error(exc: MailError) -> str:
    if isinstance(exc, RelayUnreachable):
        return str(gettext("The relay could not be reached. Check the host and port."))
    if isinstance(exc, TLSFailed):
        return str(gettext(
            "A secure connection to the relay failed. Check the security setting and the relay's certificate."
        ))
    if isinstance(exc, RelayAuthFailed):
        return str(gettext("The relay refused the username or password."))
    if isinstance(exc, RecipientRefused):
        return str(gettext("The relay refused the recipient address."))
    if isinstance(exc, InsecureRelay):
        return plaintext_refused()
    if isinstance(exc, RelayRefused):
        return str(gettext("The relay refused the message."))
    return str(gettext("The mail could not be sent."))


def plaintext_refused() -> str:
    return str(gettext(
        "Unencrypted SMTP is allowed only to a relay on this machine (127.0.0.1). Choose TLS or STARTTLS."
    ))


def _relay_error(exc: relays.RelaySettingRejected) -> str:
    if isinstance(exc, relays.InvalidHost):
        return str(gettext("Enter the relay's host name."))
    if isinstance(exc, relays.InvalidPort):
        return str(gettext("The port must be a whole number from 1 to 65535."))
    if isinstance(exc, relays.InvalidSender):
        return str(gettext("Enter one sender address, like securedrop@example.org."))
    if isinstance(exc, relays.InvalidDigestHour):
        return str(gettext("The digest hour must be a whole number from 0 to 23."))
    if isinstance(exc, relays.PlaintextNotLoopback):
        return plaintext_refused()
    assert isinstance(exc, relays.RelayCheckFailed)
    return mail_error(exc.reason)


def _check(relay: transport.Relay) -> None:
    transport.verify(replace(relay, ca_file=services().settings.smtp_ca_file), CHECK_TIMEOUT_SECONDS)


def _render_mail(status: int = 200, form: MailRelayForm | None = None) -> tuple[str, int]:
    relay = relays.current_relay(current_db())
    return render_template(
        "mail_settings.html", relay=relay, form=form or MailRelayForm.showing(relay), test_form=TestEmailForm()
    ), status


@blueprint.route("/mail", methods=["GET", "POST"])
def mail() -> Any:
    if request.method == "GET":
        return _render_mail()
    form = MailRelayForm()
    try:
        relays.save_relay(current_db(), form.relay_input(), services().settings.journalist_secret_key, _check)
    except relays.RelaySettingRejected as exc:
        flash(_relay_error(exc), "error")
        return _render_mail(400, form)
    except relays.PasswordUnreadable:
        flash(gettext("The saved password can no longer be read: enter it again."), "error")
        return _render_mail(400, form)
    flash(gettext("Mail relay saved: connecting and logging in worked."), "success")
    return redirect(url_for("system.mail"))


@blueprint.route("/mail/test-email", methods=["POST"])
def test_email() -> Any:
    """Really sends, while the admin waits: a wrong setting shows up here, not in a log."""
    row = relays.current_relay(current_db())
    if row is None:
        flash(gettext("Set up the mail relay first."), "error")
        return _render_mail(400)
    address = parse_address(TestEmailForm().address.data or "")
    if address is None:
        flash(gettext("Enter one email address, like name@example.org."), "error")
        return _render_mail(400)
    settings = services().settings
    body = gettext("This is a test email from SecureDrop. Mail delivery works.").encode("utf-8")
    try:
        relay = relays.as_relay(row, settings.journalist_secret_key, settings.smtp_ca_file)
        subject = alert_subject(str(get_locale() or "en_US"))
        transport.send(relay, build(row.sender, address, subject, body), address, CHECK_TIMEOUT_SECONDS)
    except relays.PasswordUnreadable:
        flash(gettext("The saved password can no longer be read: enter it again."), "error")
        return _render_mail(400)
    except MailError as exc:
        flash(mail_error(exc), "error")
        return _render_mail(400)
    flash(gettext("Test email sent to %(address)s.", address=address), "success")
    return redirect(url_for("system.mail"))


@blueprint.route("/test-alert", methods=["POST"])
def test_alert() -> Any:
    """Queued like every alert: the worker sends it, and the System page shows the outcome."""
    row = relays.current_relay(current_db())
    if row is None:
        flash(gettext("Set up the mail relay first."), "error")
        return redirect(url_for("system.system"))
    count = queue_test_alert(current_db(), row, services().pgp)
    if not count:
        flash(gettext("No admin has a notification address: set one on your account page."), "error")
        return redirect(url_for("system.system"))
    flash(ngettext(
        "Test alert queued for %(num)d admin. The worker sends it within a minute; failures show on this page.",
        "Test alert queued for %(num)d admins. The worker sends it within a minute; failures show on this page.",
        count,
    ), "success")
    return redirect(url_for("system.system"))


@blueprint.route("/system")
def system() -> str:
    session = current_db()
    when = now()
    facts = gather(session, services().settings.data_dir, services().pgp, when)
    return render_template(
        "system.html",
        facts=facts,
        active=active_conditions(facts),
        relay=relays.current_relay(session),
        failures=outbox.recent_failures(session, when),
        retrying=outbox.retrying(session),
        now=when,
    )
