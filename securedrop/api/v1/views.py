"""API v1 endpoints: parse, call one domain function, answer JSON (API_V1 §3)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, request
from werkzeug.exceptions import BadRequest, Conflict
from werkzeug.exceptions import NotFound as HTTPNotFound

from securedrop.api.v1 import auth
from securedrop.api.v1.auth import journalist, json_body
from securedrop.api.v1.responses import (
    current_user_body,
    json_error,
    json_response,
    reply_body,
    source_body,
    submission_body,
    timestamp,
    user_body,
)
from securedrop.api.v2.views import login_hints
from securedrop.domain import NotFound, listings
from securedrop.domain import authentication as authn
from securedrop.domain.collections import delete_loaded_items, delete_source_data, locate_file
from securedrop.domain.replies import (
    InvalidReplyUUID,
    NotEncrypted,
    ReplyUUIDInUse,
    source_reply,
)
from securedrop.domain.seen import NothingToMark, SeenItemNotFound, mark_resources_seen
from securedrop.domain.sources import delete_source as delete_source_domain
from securedrop.domain.sources import live_source_by_uuid, set_starred
from securedrop.domain.submissions import source_submission
from securedrop.domain.tokens import issue_token, revoke_token
from securedrop.models import Reply, Source, Submission
from securedrop.models.journalists import Journalist
from securedrop.web.ranges import file_response
from securedrop.web.state import current_db, now, replies, services
from securedrop.web.throttling import login_throttle
from securedrop.web.transaction import recorded_even_if_refused

blueprint = Blueprint("api_v1", __name__, url_prefix="/api/v1")
blueprint.before_request(auth.before_request)

S = "/sources/<source_uuid>"
LOGIN_FIELDS = ("username", "passphrase", "one_time_code")


View = Callable[..., Response]


def route(rule: str, methods: list[str]) -> Callable[[View], View]:
    # merge_slashes=False: `sources//submissions/<id>` (an SDK 0.4.0 bug) must end in a
    # JSON 404, never a redirect to some other route.
    return blueprint.route(rule, methods=methods, merge_slashes=False)


def _source(source_uuid: str) -> Source:
    try:
        return live_source_by_uuid(current_db(), source_uuid)
    except NotFound as exc:
        raise HTTPNotFound() from exc


def _submission(source: Source, submission_uuid: str) -> Submission:
    try:
        return source_submission(current_db(), source, submission_uuid)
    except NotFound as exc:
        raise HTTPNotFound() from exc


def _reply(source: Source, reply_uuid: str) -> Reply:
    try:
        return source_reply(current_db(), source, reply_uuid)
    except NotFound as exc:
        raise HTTPNotFound() from exc


def _message(text: str, status: int = 200) -> Response:
    return json_response({"message": text}, status)


def _download(source: Source, item: Submission | Reply) -> Response:
    try:
        found = locate_file(services().store, source, item)
    except NotFound as exc:
        raise HTTPNotFound() from exc
    # `Etag`, spelled so and unquoted: the SDK reads exactly that key (API_V1 §6).
    return file_response(found.path, found.filename, "application/pgp-encrypted", ("Etag", found.checksum))


@route("/", ["GET"])
def index() -> Response:
    return json_response({
        "sources_url": "/api/v1/sources",
        "current_user_url": "/api/v1/user",
        "all_users_url": "/api/v1/users",
        "submissions_url": "/api/v1/submissions",
        "replies_url": "/api/v1/replies",
        "seen_url": "/api/v1/seen",
        "auth_token_url": "/api/v1/token",
    })


@route("/token", ["POST"])
def token() -> Response:
    body = json_body()
    if not isinstance(body, dict):
        raise BadRequest(auth.MALFORMED)
    for field in LOGIN_FIELDS:
        if field not in body:
            raise BadRequest(f"{field} field is missing")
    if not all(isinstance(body[field], str) for field in LOGIN_FIELDS):
        raise BadRequest(auth.MALFORMED)
    try:
        # The attempt and the consumed code are kept even when the login is refused.
        with recorded_even_if_refused() as attempt:
            # No cookies here: API attempts always count against the username.
            submitted = authn.LoginRequest(body["username"], body["passphrase"], body["one_time_code"])
            attempted = authn.authenticate(attempt, submitted, login_throttle(), now())
    except authn.LoginFailed:
        return json_error(403, "Forbidden", auth.FORBIDDEN_MESSAGE)
    session = current_db()
    found = session.get(Journalist, attempted.id)
    assert found is not None  # just authenticated
    issued = issue_token(session, found, now())
    body = {
        "token": issued.token,
        "expiration": timestamp(issued.expires_at),
        "journalist_uuid": found.uuid,
        "journalist_first_name": found.first_name,
        "journalist_last_name": found.last_name,
    }
    # The Inbox (API v2) asks with `Prefer: securedrop=N` and fails login without hints.
    if "Prefer" in request.headers:
        body["hints"] = login_hints()
    return json_response(body)


@route("/logout", ["POST"])
def logout() -> Response:
    revoke_token(current_db(), auth.token())
    return _message("Your token has been revoked.")


@route("/sources", ["GET"])
def sources() -> Response:
    return json_response({"sources": [source_body(v) for v in listings.source_views(current_db())]})


@route(S, ["GET", "DELETE"])
def single_source(source_uuid: str) -> Response:
    source = _source(source_uuid)
    if request.method == "DELETE":
        delete_source_domain(current_db(), services().store, source)
        return _message("Source and submissions deleted")
    (view,) = listings.source_views(current_db(), source.id)
    return json_response(source_body(view))


@route(f"{S}/add_star", ["POST"])
def add_star(source_uuid: str) -> Response:
    set_starred([_source(source_uuid)], True)
    return _message("Star added", 201)


@route(f"{S}/remove_star", ["DELETE"])
def remove_star(source_uuid: str) -> Response:
    set_starred([_source(source_uuid)], False)
    return _message("Star removed")


@route(f"{S}/flag", ["POST"])
def flag(source_uuid: str) -> Response:
    _source(source_uuid)
    return _message("Sources no longer need to be flagged for reply")


@route(f"{S}/conversation", ["DELETE"])
def delete_conversation(source_uuid: str) -> Response:
    delete_source_data(current_db(), services().store, _source(source_uuid))
    return _message("Source data deleted")


@route(f"{S}/submissions", ["GET"])
def source_submissions(source_uuid: str) -> Response:
    source = _source(source_uuid)
    views = listings.submission_views(current_db(), source_id=source.id)
    return json_response({"submissions": [submission_body(v) for v in views]})


@route(f"{S}/submissions/<submission_uuid>", ["GET", "DELETE"])
def single_submission(source_uuid: str, submission_uuid: str) -> Response:
    source = _source(source_uuid)
    item = _submission(source, submission_uuid)
    if request.method == "DELETE":
        delete_loaded_items(current_db(), services().store, source, [item])
        return _message("Submission deleted")
    (view,) = listings.submission_views(current_db(), submission_id=item.id)
    return json_response(submission_body(view))


@route(f"{S}/submissions/<submission_uuid>/download", ["GET"])
def download_submission(source_uuid: str, submission_uuid: str) -> Response:
    source = _source(source_uuid)
    return _download(source, _submission(source, submission_uuid))


@route(f"{S}/replies", ["GET", "POST"])
def source_replies(source_uuid: str) -> Response:
    source = _source(source_uuid)
    if request.method == "POST":
        return _post_reply(source)
    views = listings.reply_views(current_db(), source_id=source.id)
    return json_response({"replies": [reply_body(v) for v in views]})


def _post_reply(source: Source) -> Response:
    body = json_body("please send requests in valid JSON")
    if not isinstance(body, dict):
        raise BadRequest("please send requests in valid JSON")
    if "reply" not in body:
        raise BadRequest("reply not found in request body")
    text = body["reply"]
    if not isinstance(text, str):
        raise BadRequest("please send requests in valid JSON")
    if not text:
        raise BadRequest("reply should not be empty")
    try:
        reply = replies().store_encrypted(source, journalist(), text, body.get("uuid"))
    except NotEncrypted as exc:
        raise BadRequest("You must encrypt replies client side") from exc
    except InvalidReplyUUID as exc:
        raise BadRequest("'uuid' was not a valid UUID") from exc
    except ReplyUUIDInUse as exc:
        raise Conflict("That UUID is already in use.") from exc
    return json_response(
        {"message": "Your reply has been stored", "uuid": reply.uuid, "filename": reply.filename}, 201
    )


@route(f"{S}/replies/<reply_uuid>", ["GET", "DELETE"])
def single_reply(source_uuid: str, reply_uuid: str) -> Response:
    source = _source(source_uuid)
    item = _reply(source, reply_uuid)
    if request.method == "DELETE":
        delete_loaded_items(current_db(), services().store, source, [item])
        return _message("Reply deleted")
    (view,) = listings.reply_views(current_db(), reply_id=item.id)
    return json_response(reply_body(view))


@route(f"{S}/replies/<reply_uuid>/download", ["GET"])
def download_reply(source_uuid: str, reply_uuid: str) -> Response:
    source = _source(source_uuid)
    return _download(source, _reply(source, reply_uuid))


@route("/submissions", ["GET"])
def all_submissions() -> Response:
    return json_response({"submissions": [submission_body(v) for v in listings.submission_views(current_db())]})


@route("/replies", ["GET"])
def all_replies() -> Response:
    return json_response({"replies": [reply_body(v) for v in listings.reply_views(current_db())]})


@route("/seen", ["POST"])
def seen() -> Response:
    body = json_body()
    if not isinstance(body, dict):
        raise BadRequest("Please send requests in valid JSON.")
    lists = [body.get(key, []) for key in ("files", "messages", "replies")]
    if not all(isinstance(ids, list) and all(isinstance(i, str) for i in ids) for ids in lists):
        raise BadRequest("Please send requests in valid JSON.")
    try:
        mark_resources_seen(current_db(), journalist(), *lists)
    except NothingToMark as exc:
        raise BadRequest("Please specify the resources to mark seen.") from exc
    except SeenItemNotFound as exc:
        raise HTTPNotFound(f"{exc.kind} not found: {exc.item_id}") from exc
    return _message("resources marked seen")


@route("/user", ["GET"])
def current_user() -> Response:
    return json_response(current_user_body(journalist()))


@route("/users", ["GET"])
def users() -> Response:
    return json_response({"users": [user_body(j) for j in listings.all_journalists(current_db())]})
