"""Admin pages for the journalist onion's client keys: issue (shown once), list, revoke."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext

from securedrop.domain import NotFound, onion_keys
from securedrop.domain import journalists as accounts
from securedrop.journalist_app.context import require_admin
from securedrop.journalist_app.forms import DeviceKeyForm
from securedrop.web.state import current_db, services

blueprint = Blueprint("onion_keys", __name__, url_prefix="/admin/onion-keys")


blueprint.before_request(require_admin)


def _journalist_onion() -> str | None:
    return onion_keys.recorded_journalist_onion(services().settings.onion_dir)


@blueprint.route("/")
def index() -> str:
    return render_template(
        "onion_keys.html",
        keys=onion_keys.list_keys(current_db()),
        users=accounts.list_journalists(current_db()),
        onion=_journalist_onion(),
    )


@blueprint.route("/issue", methods=["POST"])
def issue() -> Response | str:
    try:
        form = DeviceKeyForm()
        owner = accounts.get_journalist(current_db(), int(form.uid.data or ""))
        issued = onion_keys.issue_key(current_db(), owner, form.device.data or "")
    except (ValueError, NotFound, accounts.ProtectedAccount):
        abort(400, gettext("No such user."))
    except onion_keys.InvalidDeviceName:
        flash(gettext("Give the device a name of 1 to 100 characters."), "error")
        return redirect(url_for("onion_keys.index"))  # type: ignore[return-value]  # werkzeug's Response
    address = _journalist_onion()
    return render_template(
        "onion_key_issued.html",
        issued=issued,
        owner=owner,
        onion=address,
        auth_private=issued.auth_private_file(address) if address else None,
    )


@blueprint.route("/<key_uuid>/revoke", methods=["POST"])
def revoke(key_uuid: str) -> Response:
    try:
        row = onion_keys.revoke_key(current_db(), key_uuid)
    except NotFound:
        abort(404, gettext("No such key."))
    flash(
        gettext('The key of %(device)s was revoked. That device can no longer reach this interface.',
                device=row.device_name),
        "notification",
    )
    # `serve` closes every open connection to the journalist onion on a revoke, but a
    # session or token does not say which device it lives on, so none is ended here.
    flash(
        gettext("Web sessions and API tokens cannot be told apart by device: those of %(username)s stay "
                "valid. Resetting their passphrase ends them all.", username=row.journalist.username),
        "notification",
    )
    return redirect(url_for("onion_keys.index"))  # type: ignore[return-value]  # werkzeug's Response
