"""The v2 record shapes (API_V2 §4), built from the domain's listing views: exactly these keys."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from securedrop.domain.listings import ReplyView, SourceView, SubmissionView
from securedrop.models.journalists import Journalist
from securedrop.storage.names import interaction_number, is_message_name

Record = dict[str, Any]


def timestamp(value: datetime) -> str:
    """UTC with six fractional digits always and no `Z` (unlike v1)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def source_record(view: SourceView, submissions: list[SubmissionView]) -> Record:
    return {
        "uuid": view.uuid,
        "journalist_designation": view.designation,
        "is_starred": view.is_starred,
        # Replies do not count: a journalist's own reply is never "unread" news.
        "is_seen": all(item.seen_by for item in submissions),
        "has_attachment": view.documents > 0,
        "last_updated": timestamp(view.last_updated),
        "public_key": view.public_key.rstrip("\n"),
        "fingerprint": view.fingerprint.upper(),
    }


def submission_record(view: SubmissionView) -> Record:
    return {
        "kind": "message" if is_message_name(view.filename) else "file",
        "uuid": view.uuid,
        "source": view.source_uuid,
        "size": view.size,
        "is_read": bool(view.seen_by),
        "seen_by": list(view.seen_by),
        "interaction_count": interaction_number(view.filename),
    }


def reply_record(view: ReplyView) -> Record:
    return {
        "kind": "reply",
        "uuid": view.uuid,
        "source": view.source_uuid,
        "size": view.size,
        "journalist_uuid": view.journalist_uuid,
        "is_deleted_by_source": view.deleted_by_source,
        "seen_by": list(view.seen_by),
        "interaction_count": interaction_number(view.filename),
    }


def journalist_record(journalist: Journalist) -> Record:
    return {
        "uuid": journalist.uuid,
        "username": journalist.username,
        "first_name": journalist.first_name,
        "last_name": journalist.last_name,
    }


def for_minor(record: Record, minor: int) -> Record:
    """The record as an older client minor knows it: `interaction_count` came in minor 2."""
    if minor < 2 and "interaction_count" in record:
        return {key: value for key, value in record.items() if key != "interaction_count"}
    return record
