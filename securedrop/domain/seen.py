"""Seen-records: which journalist has seen which file, message or reply; the API marks many at once, all or none."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from securedrop.domain import DomainError, NotFound
from securedrop.domain.sources import live_conditions
from securedrop.domain.versions import SYNC_SOURCES
from securedrop.models import Reply, SeenFile, SeenMessage, SeenReply, Source, Submission
from securedrop.models.journalists import Journalist


def mark_seen(session: Session, journalist_id: int, items: list[Submission | Reply]) -> None:
    """Record that `journalist_id` has seen `items`; existing records are left alone."""
    rows: dict[type, list[dict[str, int]]] = {SeenFile: [], SeenMessage: [], SeenReply: []}
    for item in items:
        if isinstance(item, Reply):
            rows[SeenReply].append({"reply_id": item.id, "journalist_id": journalist_id})
        elif item.is_message:
            rows[SeenMessage].append({"message_id": item.id, "journalist_id": journalist_id})
        else:
            rows[SeenFile].append({"file_id": item.id, "journalist_id": journalist_id})
    dialect = session.get_bind().dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    touched = {SYNC_SOURCES: tuple({item.source_id for item in items})}
    for model, values in rows.items():
        if values:
            # Two tabs downloading the same file must not collide on the unique constraint.
            session.execute(insert(model).values(values).on_conflict_do_nothing(), execution_options=touched)


class NothingToMark(DomainError):
    """Raised when all three lists are empty."""


class SeenItemNotFound(NotFound):
    """Raised for the first id that is not a live item of the expected kind; nothing is marked."""

    def __init__(self, kind: str, item_id: str) -> None:
        super().__init__(kind, item_id)
        self.kind = kind
        self.item_id = item_id


def _live_items(session: Session, model: Any, ids: list[str]) -> dict[str, Any]:
    if not ids:
        return {}
    found = session.scalars(
        select(model)
        .join(Source, Source.id == model.source_id)
        .where(model.uuid.in_(ids), *live_conditions())
    )
    return {item.uuid: item for item in found}


def mark_resources_seen(
    session: Session, journalist: Journalist, files: Sequence[str], messages: Sequence[str], replies: Sequence[str]
) -> None:
    """Mark files, messages and replies (of any live sources) seen by `journalist`.

    Already-seen items are skipped silently.

    Raises:
        NothingToMark: all three lists are empty.
        SeenItemNotFound: an id is unknown or of the wrong kind (a message id among the
            files, say); the first such id in files, messages, replies order.
    """
    files, messages, replies = (list(dict.fromkeys(ids)) for ids in (files, messages, replies))
    if not (files or messages or replies):
        raise NothingToMark()
    found_files = _live_items(session, Submission, files)
    found_messages = _live_items(session, Submission, messages)
    found_replies = _live_items(session, Reply, replies)
    items: list[Submission | Reply] = []
    for item_id in files:
        item = found_files.get(item_id)
        if item is None or not item.is_file:
            raise SeenItemNotFound("file", item_id)
        items.append(item)
    for item_id in messages:
        item = found_messages.get(item_id)
        if item is None or not item.is_message:
            raise SeenItemNotFound("message", item_id)
        items.append(item)
    for item_id in replies:
        item = found_replies.get(item_id)
        if item is None:
            raise SeenItemNotFound("reply", item_id)
        items.append(item)
    mark_seen(session, journalist.id, items)
