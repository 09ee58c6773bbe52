"""JSON bodies of the API: responses, error bodies, timestamps and the object shapes (API_V1 §4)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from flask import Response

from securedrop.domain.listings import ReplyView, SourceView, SubmissionView
from securedrop.models.journalists import Journalist
from securedrop.storage.names import is_document_name, is_message_name

PREFIX = "/api/v1"


def json_response(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def json_error(status: int, error: str, message: str) -> Response:
    return json_response({"error": error, "message": message}, status)


def timestamp(value: datetime | None) -> str | None:
    """Always six fractional digits: isoformat() drops them on whole seconds and the
    client's parser then fails (API_V1 §1)."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def source_body(view: SourceView) -> dict[str, Any]:
    url = f"{PREFIX}/sources/{view.uuid}"
    return {
        "uuid": view.uuid,
        "url": url,
        "journalist_designation": view.designation,
        "is_flagged": False,
        "is_starred": view.is_starred,
        "last_updated": timestamp(view.last_updated),
        "interaction_count": view.interaction_count,
        "key": {"type": "PGP", "public": view.public_key, "fingerprint": view.fingerprint.upper()},
        "number_of_documents": view.documents,
        "number_of_messages": view.messages,
        "submissions_url": f"{url}/submissions",
        "add_star_url": f"{url}/add_star",
        "remove_star_url": f"{url}/remove_star",
        "replies_url": f"{url}/replies",
    }


def submission_body(view: SubmissionView) -> dict[str, Any]:
    source_url = f"{PREFIX}/sources/{view.source_uuid}"
    url = f"{source_url}/submissions/{view.uuid}"
    return {
        "uuid": view.uuid,
        "filename": view.filename,
        "size": view.size,
        "is_file": is_document_name(view.filename),
        "is_message": is_message_name(view.filename),
        "is_read": bool(view.seen_by),
        "seen_by": view.seen_by,
        "source_url": source_url,
        "submission_url": url,
        "download_url": f"{url}/download",
    }


def reply_body(view: ReplyView) -> dict[str, Any]:
    source_url = f"{PREFIX}/sources/{view.source_uuid}"
    return {
        "uuid": view.uuid,
        "filename": view.filename,
        "size": view.size,
        "journalist_uuid": view.journalist_uuid,
        "journalist_username": view.journalist_username,
        "journalist_first_name": view.journalist_first_name or "",
        "journalist_last_name": view.journalist_last_name or "",
        "is_deleted_by_source": view.deleted_by_source,
        "seen_by": view.seen_by,
        "source_url": source_url,
        "reply_url": f"{source_url}/replies/{view.uuid}",
    }


def user_body(journalist: Journalist) -> dict[str, Any]:
    return {
        "uuid": journalist.uuid,
        "username": journalist.username,
        "first_name": journalist.first_name,
        "last_name": journalist.last_name,
    }


def current_user_body(journalist: Journalist) -> dict[str, Any]:
    return {**user_body(journalist), "is_admin": journalist.is_admin, "last_login": timestamp(journalist.last_login)}
