"""The codename page, and showing it again in another language without losing the codename."""

from __future__ import annotations

import secrets

from flask import redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from securedrop.crypto.codenames import normalize_codename
from securedrop.source_app.sessions import logged_out_notice, reset_session
from securedrop.web.state import services

#: The value a tor2web proxy would rewrite; its absence means a forged form.
TOR2WEB_CHECK = 'href="fake.onion"'


def render(codename: str, tab_id: str) -> str:
    """The page showing a new source `codename`; its language menu re-posts it (see below)."""
    fields = {"tor2web_check": TOR2WEB_CHECK, "tab_id": tab_id, "codename": codename}
    return render_template("generate.html", codename=codename, tab_id=tab_id,
                           language_form={"action": url_for("main.generate"), "fields": fields})


def in_another_language() -> ResponseReturnValue:
    """The codename page again, in the language just chosen (`?l=`), with the same codename.

    The codename is stored nowhere, so the language menu posts it back with its tab id;
    it is shown again only if it derives to the account this tab is about to create, so
    the form can only ever re-show a codename this session was given.
    """
    tab_id = request.form.get("tab_id", "")
    codename = normalize_codename(request.form.get("codename", ""))
    pending = dict(session.get("pending_accounts", {})).get(tab_id)
    if codename is None or pending is None or not secrets.compare_digest(
        services().hasher.derive(codename).filesystem_id, pending[0]
    ):
        reset_session()
        logged_out_notice()
        return redirect(url_for("main.index"))
    return render(codename, tab_id)
