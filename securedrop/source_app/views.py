"""Source interface routes: thin views over securedrop.domain."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, gettext, ngettext

from securedrop import __version__
from securedrop.crypto.codenames import generate_codename, normalize_codename
from securedrop.crypto.derivation import SourceSecrets
from securedrop.crypto.openpgp import OpenPGPError
from securedrop.domain import (
    CodenameAsMessage,
    DocumentsNotAllowed,
    DocumentTooLarge,
    EmptyDocument,
    EmptySubmission,
    FirstMessageTooShort,
    MessageTooLong,
    NotFound,
    SourceCreationError,
    SubmissionRejected,
)
from securedrop.domain import replies as replies_domain
from securedrop.domain import sources as sources_domain
from securedrop.domain.instance import logo_path
from securedrop.domain.submissions import MAX_MESSAGE_CHARS
from securedrop.i18n import FALLBACK, offered_now
from securedrop.models import Source
from securedrop.source_app import codename_page
from securedrop.source_app.codename_page import TOR2WEB_CHECK
from securedrop.source_app.forms import CreateForm, DeleteReplyForm, GenerateForm, LoginForm, SubmissionForm
from securedrop.source_app.platform import server_os
from securedrop.source_app.sessions import log_in, logged_in_source, logged_out_notice, reset_session
from securedrop.web.busy import expensive
from securedrop.web.state import (
    current_db,
    instance_config,
    offline_reason,
    replies,
    request_state,
    server_session,
    services,
    submissions,
    supported_locales,
)

blueprint = Blueprint("main", __name__)

#: Several tabs may each hold a new codename; more than this is abuse.
MAX_PENDING_CODENAMES = 5


@blueprint.before_app_request
def load_source() -> ResponseReturnValue | None:
    if request.headers.get("X-tor2web") and request.endpoint not in ("main.tor2web_warning", "static"):
        return redirect(url_for("main.tor2web_warning"))
    state = request_state()
    state.source = None
    sess = server_session()
    if offline_reason() is not None and request.endpoint != "static":
        # Without a usable submission key nothing may be accepted: answer 503 everywhere,
        # and end any session (its record and cookie go; nothing is written back).
        sess.destroy()
        return Response(render_template("offline.html"), status=503)
    if sess.source_id is not None:
        source = current_db().get(Source, sess.source_id)
        if source is None or "key_passphrase" not in sess:
            reset_session()
            state.session_lost = True
        else:
            state.source = source
    elif sess.expired:
        state.session_lost = True
    return None


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if request_state().source is None:
            reset_session()
            logged_out_notice()
            return redirect(url_for("main.index"))
        return view(*args, **kwargs)

    return wrapper


@blueprint.app_context_processor
def template_context() -> dict[str, Any]:
    return {"logged_in": request_state().source is not None, "max_document_mib": _max_mib()}


@blueprint.route("/")
def index() -> str:
    if request_state().session_lost:
        logged_out_notice()
    return render_template("index.html", tor2web_check=TOR2WEB_CHECK)


@blueprint.route("/generate", methods=["GET", "POST"])
@expensive
def generate() -> Any:
    if request.method == "GET":
        return redirect(url_for("main.index"))
    check = GenerateForm().tor2web_check
    if not check.raw_data:
        abort(403)
    if check.data != TOR2WEB_CHECK:
        return redirect(url_for("main.tor2web_warning"))
    if request_state().source is not None:
        flash(gettext("You were redirected because you are already logged in."), "notification")
        return redirect(url_for("main.lookup"))
    if "codename" in request.form:
        return codename_page.in_another_language()
    codename = generate_codename(_locale_language())
    derived = services().hasher.derive(codename)
    tab_id = secrets.token_urlsafe(16)
    # What /create needs, per tab; never the codename, which exists only on this page.
    pending: dict[str, list[str]] = dict(session.get("pending_accounts", {}))
    while len(pending) >= MAX_PENDING_CODENAMES:
        pending.pop(next(iter(pending)))
    pending[tab_id] = [derived.filesystem_id, derived.key_passphrase]
    session["pending_accounts"] = pending
    return codename_page.render(codename, tab_id)


def _locale_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else FALLBACK.split("_")[0]


@blueprint.route("/create", methods=["POST"])
@expensive
def create() -> Any:
    if request_state().source is not None:
        flash(gettext("You were redirected because you are already logged in."), "notification")
        return redirect(url_for("main.lookup"))
    pending = dict(session.get("pending_accounts", {})).get(CreateForm().tab_id.data or "")
    if pending is None:
        reset_session()
        logged_out_notice()
        return redirect(url_for("main.index"))
    derived = SourceSecrets(filesystem_id=pending[0], key_passphrase=pending[1])
    try:
        source = sources_domain.create_source(current_db(), services().pgp, derived)
    except (SourceCreationError, OpenPGPError):
        flash(gettext("There was a temporary problem creating your account. Please try again."), "error")
        return redirect(url_for("main.index"))
    log_in(source, derived.key_passphrase)  # also erases every pending account
    session["new_source"] = True
    return redirect(url_for("main.lookup"))


def _render_lookup(status: int = 200, form: SubmissionForm | None = None) -> tuple[str, int]:
    source = logged_in_source()
    decrypted = replies().for_source(source, session["key_passphrase"])
    config = instance_config()
    return (
        render_template(
            "lookup.html",
            replies=decrypted,
            new_source=session.get("new_source", False),
            allow_documents=config.allow_document_uploads,
            min_length=config.initial_message_min_len if source.pending else 0,
            form=form or SubmissionForm(formdata=None),
            max_message_chars=MAX_MESSAGE_CHARS,
            language_return=url_for("main.lookup"),  # the menu's target after a failed POST /submit too
        ),
        status,
    )


@blueprint.route("/lookup")
@login_required
def lookup() -> Any:
    return _render_lookup()


def _rejection_text(exc: SubmissionRejected) -> str:
    allow_documents = instance_config().allow_document_uploads
    if isinstance(exc, MessageTooLong):
        if allow_documents:  # one sentence pair, not two joined with a space (wrong in ja, zh)
            return str(gettext("Message text too long. Large blocks of text must be uploaded as a file, "
                               "not copied and pasted."))
        return str(gettext("Message text too long."))
    if isinstance(exc, EmptySubmission):
        if allow_documents:
            return str(gettext("You must enter a message or choose a file to submit."))
        return str(gettext("You must enter a message."))
    if isinstance(exc, DocumentsNotAllowed):
        return str(gettext("This organization accepts messages only; files cannot be uploaded."))
    if isinstance(exc, EmptyDocument):
        return str(gettext("The file you chose is empty."))
    if isinstance(exc, DocumentTooLarge):
        return str(gettext("The file you chose is larger than %(size)s MiB.", size=_max_mib()))
    if isinstance(exc, FirstMessageTooShort):
        return str(ngettext(
            "Your first message must be at least %(num)d character long.",
            "Your first message must be at least %(num)d characters long.",
            exc.minimum,
        ))
    if isinstance(exc, CodenameAsMessage):
        return str(gettext(
            "Please do not submit your codename! Keep your codename secret, and use it to log in later."
        ))
    return str(gettext("Your submission could not be stored."))


def _max_mib() -> int:
    return services().settings.max_document_bytes // (1024 * 1024)


@blueprint.route("/submit", methods=["POST"])
@login_required
def submit() -> Any:
    form = SubmissionForm()
    if form.text.data:
        abort(403)  # the honeypot: only bots fill a field people cannot see
    message = form.message()
    try:
        result = submissions().submit(logged_in_source(), message, form.upload())
    except SubmissionRejected as exc:
        flash(_rejection_text(exc), "error")
        status = 413 if isinstance(exc, DocumentTooLarge) else 400
        return _render_lookup(status, form)
    except OpenPGPError:
        flash(gettext("Your submission could not be stored. Please try again."), "error")
        return _render_lookup(500, form)
    if result.message and result.document:
        flash(gettext("Thanks! We received your message and document."), "success")
    elif result.document:
        flash(gettext("Thanks! We received your document."), "success")
    else:
        flash(gettext("Thanks! We received your message."), "success")
    session.pop("new_source", None)
    return redirect(url_for("main.lookup"))


@blueprint.route("/delete", methods=["POST"])
@login_required
def delete() -> Any:
    try:
        replies_domain.delete_reply_for_source(
            current_db(), logged_in_source(), DeleteReplyForm().reply_filename.data or ""
        )
    except NotFound:
        flash(gettext("That reply could not be found."), "error")
        return redirect(url_for("main.lookup"))
    flash(gettext("Reply deleted."), "notification")
    return redirect(url_for("main.lookup"))


@blueprint.route("/delete-all", methods=["POST"])
@login_required
def delete_all() -> Any:
    replies_domain.delete_all_replies_for_source(current_db(), logged_in_source())
    flash(gettext("All replies have been deleted."), "notification")
    return redirect(url_for("main.lookup"))


@blueprint.route("/login", methods=["GET", "POST"])
@expensive
def login() -> Any:
    if request_state().source is not None:
        return redirect(url_for("main.lookup"))
    form = LoginForm()
    if request.method == "GET":
        return render_template("login.html", form=form)
    codename = normalize_codename(form.codename.data or "")
    found = None
    if codename is not None:
        found = sources_domain.login(current_db(), services().hasher, codename)
    if found is None:
        flash(gettext("Sorry, that is not a recognized codename."), "error")
        return render_template("login.html", form=form), 400
    source, derived = found
    log_in(source, derived.key_passphrase)
    return redirect(url_for("main.lookup"))


@blueprint.route("/logout", methods=["GET", "POST"])
def logout() -> Any:
    if request.method == "GET":
        # The advice again (the language menu links here): logging out takes a POST, so a
        # link elsewhere cannot end a session, and a source still logged in goes back.
        if request_state().source is not None:
            return redirect(url_for("main.lookup"))
        return render_template("logout.html")
    was_logged_in = request_state().source is not None
    reset_session()
    if not was_logged_in:
        return redirect(url_for("main.index"))
    return render_template("logout.html")


@blueprint.route("/metadata")
def metadata() -> Response:
    svc = services()
    return jsonify(
        {
            "organization_name": instance_config().organization_name,
            "allow_document_uploads": instance_config().allow_document_uploads,
            "gpg_fpr": svc.pgp.submission_fingerprint,
            "sd_version": __version__,
            "server_os": server_os(),
            # What the language menu offers, not every installed catalog.
            "supported_languages": offered_now(svc.settings.default_locale, supported_locales()),
            "v3_source_url": f"{svc.settings.source_onion}.onion" if svc.settings.source_onion else None,
        }
    )


@blueprint.route("/public-key")
def public_key() -> Response:
    pgp = services().pgp
    response = Response(pgp.export_submission_key(), mimetype="application/pgp-keys")
    response.headers["Content-Disposition"] = f"attachment; filename={pgp.submission_fingerprint}.asc"
    return response


@blueprint.route("/journalist-key")
def journalist_key() -> Response:
    return redirect(url_for("main.public_key"), code=301)  # type: ignore[return-value]  # werkzeug's Response, which Flask's subclasses


@blueprint.route("/why-public-key")
def why_public_key() -> str:
    return render_template("why-public-key.html")


@blueprint.route("/use-tor")
def use_tor() -> str:
    return render_template("use-tor.html")


@blueprint.route("/org-logo")
def logo() -> Response:
    """The organisation's logo as an admin uploaded it (a validated PNG), if any."""
    path = logo_path(services().settings.data_dir)
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype="image/png", conditional=False, etag=False)


@blueprint.route("/robots.txt")
def robots() -> Response:
    return Response("User-agent: *\nDisallow: /\n", mimetype="text/plain")


@blueprint.route("/tor2web-warning")
def tor2web_warning() -> tuple[str, int]:
    return render_template("tor2web-warning.html", onion=services().settings.source_onion), 403
