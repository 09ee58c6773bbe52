"""One source's page and the bulk actions of the index and the source page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext, ngettext
from werkzeug.wrappers import Response

from securedrop.domain import NotFound, NothingSelected, retention
from securedrop.domain import collections as coll
from securedrop.domain.listings import conversation
from securedrop.domain.replies import MAX_REPLY_CHARS
from securedrop.domain.sources import delete_source, live_source_by_filesystem_id, selected_sources, set_starred
from securedrop.journalist_app.context import journalist, render_error
from securedrop.journalist_app.forms import BulkForm, ProcessForm
from securedrop.models import Source
from securedrop.storage.zips import ZipError, open_once
from securedrop.web.ranges import file_response
from securedrop.web.state import current_db, downloads, now, services

blueprint = Blueprint("col", __name__)

INDEX_ACTIONS = ("download-unread", "download-all", "star", "un-star", "delete", "delete-data")
PAGE_ACTIONS = ("download", "delete")


def _source_or_404(filesystem_id: str) -> Source:
    try:
        return live_source_by_filesystem_id(current_db(), filesystem_id)
    except NotFound:
        abort(404, gettext("No source with that ID could be found."))


def _send_zip(download: coll.ZipDownload) -> Response:
    return send_file(
        open_once(download.path),
        mimetype="application/zip",
        as_attachment=True,
        download_name=download.filename,
        etag=False,
        conditional=False,
    )


def _zip(submissions: list[Any], single: Source | None, back: str) -> Response:
    try:
        download = downloads().zip(submissions, journalist(), now(), single)
    except coll.NothingToDownload:
        flash(gettext("No unread submissions for the selected sources."), "error")
        return redirect(back)
    except ZipError:
        abort(500)
    return _send_zip(download)


@blueprint.route("/col/<filesystem_id>")
def col(filesystem_id: str) -> str:
    source = _source_or_404(filesystem_id)
    items = conversation(current_db(), source, journalist())
    expiry = retention.upcoming(current_db(), [source.filesystem_id], now()).get(source.filesystem_id)
    return render_template("col.html", source=source, items=items, max_reply_chars=MAX_REPLY_CHARS, expiry=expiry)


@blueprint.route("/col/<filesystem_id>/keep", methods=["POST"])
def keep(filesystem_id: str) -> Response:
    """Keep a source one more retention period (once), before the worker deletes it."""
    source = _source_or_404(filesystem_id)
    try:
        retention.extend(current_db(), source, journalist(), now())
    except retention.AlreadyExtended:
        flash(gettext("This source was already kept once; it cannot be extended again."), "error")
    except retention.RetentionOff:
        flash(gettext("Sources are not deleted automatically on this instance."), "error")
    else:
        flash(gettext("The source will be kept for one more retention period."), "success")
    return redirect(url_for("col.col", filesystem_id=filesystem_id))


@blueprint.route("/col/<filesystem_id>/<path:filename>")
def download_single(filesystem_id: str, filename: str) -> Any:
    source = _source_or_404(filesystem_id)
    try:
        item = downloads().open_item(source, filename, journalist())
    except coll.InvalidFileName:
        return render_error(gettext("That is not a valid file name."), 400)
    except NotFound:
        return render_error(gettext("That file could not be found."), 404)
    return file_response(item.path, item.filename, "application/pgp-encrypted", ("ETag", f'"{item.checksum}"'))


@blueprint.route("/download_unread/<filesystem_id>")
def download_unread(filesystem_id: str) -> Response:
    source = _source_or_404(filesystem_id)
    submissions = coll.unread_submissions(current_db(), [source], journalist())
    return _zip(submissions, source, url_for("col.col", filesystem_id=filesystem_id))


@blueprint.route("/bulk", methods=["POST"])
def bulk() -> Any:
    form = BulkForm()
    source = _source_or_404(form.filesystem_id.data or "")
    action = form.action.data or ""
    if action not in PAGE_ACTIONS:
        abort(400, gettext("Unknown action."))
    back = url_for("col.col", filesystem_id=source.filesystem_id)
    filenames = form.doc_names_selected.data or []
    try:
        if action == "download":
            submissions = coll.selected_submissions(current_db(), source, filenames)
            return _zip(submissions, source, back)
        count = coll.delete_items(current_db(), services().store, source, filenames)
    except NothingSelected:
        flash(gettext("No files selected."), "error")
        return redirect(back)
    except coll.InvalidFileName:
        return render_error(gettext("That is not a valid file name."), 400)
    except NotFound:
        return render_error(gettext("That file could not be found."), 404)
    flash(ngettext("%(num)d item deleted.", "%(num)d items deleted.", count), "notification")
    return redirect(back)


@blueprint.route("/col/process", methods=["POST"])
def process() -> Any:
    form = ProcessForm()
    action = form.action.data or ""
    if action not in INDEX_ACTIONS:
        abort(400, gettext("Unknown action."))
    session = current_db()
    try:
        sources = selected_sources(session, form.cols_selected.data or [])
    except NothingSelected:
        flash(gettext("No collections selected."), "error")
        return redirect(url_for("main.index"))
    except NotFound:
        return render_error(gettext("No source with that ID could be found."), 404)
    if action == "download-unread":
        return _zip(coll.unread_submissions(session, sources, journalist()), None, url_for("main.index"))
    if action == "download-all":
        return _zip(coll.all_submissions(session, sources), None, url_for("main.index"))
    if action in ("star", "un-star"):
        set_starred(sources, action == "star")
    elif action == "delete":
        for source in sources:
            delete_source(session, services().store, source)
        flash(ngettext("The account and all data for %(num)d source have been deleted.",
                       "The accounts and all data for %(num)d sources have been deleted.", len(sources)),
              "notification")
    else:
        for source in sources:
            coll.delete_source_data(session, services().store, source)
        flash(ngettext("The files and messages of %(num)d source have been deleted.",
                       "The files and messages of %(num)d sources have been deleted.", len(sources)),
              "notification")
    return redirect(url_for("main.index"))


@blueprint.route("/col/add_star/<filesystem_id>", methods=["POST"])
def add_star(filesystem_id: str) -> Response:
    set_starred([_source_or_404(filesystem_id)], True)
    return redirect(url_for("main.index"))


@blueprint.route("/col/remove_star/<filesystem_id>", methods=["POST"])
def remove_star(filesystem_id: str) -> Response:
    set_starred([_source_or_404(filesystem_id)], False)
    return redirect(url_for("main.index"))


@blueprint.route("/col/delete/<filesystem_id>", methods=["POST"])
def delete_col(filesystem_id: str) -> Response:
    source = _source_or_404(filesystem_id)
    designation = source.journalist_designation
    delete_source(current_db(), services().store, source)
    flash(gettext('The account and data for the source "%(name)s" have been deleted.', name=designation),
          "notification")
    return redirect(url_for("main.index"))
