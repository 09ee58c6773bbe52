"""Admin pages for the instance settings: organisation name, logo, submission rules."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext, ngettext
from werkzeug.datastructures import FileStorage

from securedrop.domain import instance as settings_domain
from securedrop.domain import retention
from securedrop.domain.instance import current_config
from securedrop.journalist_app.context import require_admin
from securedrop.journalist_app.forms import LogoForm, OrganizationNameForm, RetentionForm, SubmissionPreferencesForm
from securedrop.web.state import current_db, services

blueprint = Blueprint("admin_config", __name__, url_prefix="/admin")


blueprint.before_request(require_admin)


def _render(status: int = 200) -> tuple[str, int]:
    return render_template("admin_config.html", config=current_config(current_db())), status


@blueprint.route("/config")
def config() -> tuple[str, int]:
    return _render()


@blueprint.route("/update-org-name", methods=["POST"])
def update_org_name() -> Any:
    try:
        settings_domain.set_organization_name(current_db(), OrganizationNameForm().organization_name.data or "")
    except settings_domain.InvalidOrganizationName:
        flash(gettext("The organization name must be 1 to %(num)d characters long.",
                      num=settings_domain.MAX_ORGANIZATION_NAME_CHARS), "error")
        return _render(400)
    flash(gettext("Organization name updated."), "success")
    return redirect(url_for("admin_config.config"))


@blueprint.route("/update-submission-preferences", methods=["POST"])
def update_submission_preferences() -> Any:
    form = SubmissionPreferencesForm()
    try:
        settings_domain.set_submission_preferences(
            current_db(),
            allow_documents=not form.prevent_document_uploads.data,
            min_message_length=form.minimum_length(),
            reject_codename=bool(form.reject_codename_messages.data),
        )
    except settings_domain.InvalidMinimumLength:
        flash(gettext("The minimum message length must be a whole number from 0 to %(num)d.",
                      num=settings_domain.MAX_MIN_MESSAGE_CHARS), "error")
        return _render(400)
    flash(gettext("Submission preferences saved."), "success")
    return redirect(url_for("admin_config.config"))


@blueprint.route("/update-retention", methods=["POST"])
def update_retention() -> Any:
    try:
        row = retention.set_retention_period(current_db(), RetentionForm().retention_days.data)
    except retention.InvalidRetentionPeriod:
        flash(gettext("The retention period must be a whole number of days from %(min)d to %(max)d, "
                      "or empty to keep sources until a journalist deletes them.",
                      min=retention.MIN_DAYS, max=retention.MAX_DAYS), "error")
        return _render(400)
    if row.retention_days is None:
        flash(gettext("Sources will no longer be deleted automatically."), "success")
    else:
        flash(ngettext("Sources inactive for %(num)d day will be deleted.",
                       "Sources inactive for %(num)d days will be deleted.", row.retention_days), "success")
    return redirect(url_for("admin_config.config"))


@blueprint.route("/update-logo", methods=["POST"])
def update_logo() -> Any:
    upload = LogoForm().logo.data
    if not isinstance(upload, FileStorage) or not upload.filename:
        flash(gettext("Choose a PNG image to upload."), "error")
        return _render(400)
    data = upload.stream.read(settings_domain.MAX_LOGO_BYTES + 1)
    try:
        settings_domain.save_logo(services().settings.data_dir, data)
    except settings_domain.LogoTooLarge:
        flash(gettext("The logo must be at most %(num)d KiB.", num=settings_domain.MAX_LOGO_BYTES // 1024), "error")
        return _render(400)
    except settings_domain.LogoNotPNG:
        flash(gettext("The logo must be a PNG image."), "error")
        return _render(400)
    flash(gettext("Image updated."), "success")
    return redirect(url_for("admin_config.config"))

