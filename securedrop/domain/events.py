"""v2 events: each applied at most once per event id, through the same rules as the web and v1.

The caller (the request boundary) commits after each applied event and rolls back after
each failed one, so a failure leaves neither its effect nor its id behind and the event
may be retried; a repeat of an applied id is refused here without touching anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from securedrop.domain import DomainError, NotFound
from securedrop.domain.collections import delete_loaded_items
from securedrop.domain.replies import NotEncrypted, Replies, ReplyUUIDInUse
from securedrop.domain.seen import mark_seen
from securedrop.domain.sources import delete_source, live_conditions, live_source_by_uuid, set_starred
from securedrop.models import AppliedEvent, Journalist, Reply, Source, Submission
from securedrop.storage.names import interaction_number

#: How long an applied event id is remembered (the Inbox retries within minutes).
REMEMBER = timedelta(hours=24)
#: Types with a handler below; the Inbox 1.x sends only these.
HANDLED = (
    "reply_sent", "item_deleted", "source_deleted", "source_conversation_truncated",
    "source_conversation_seen", "source_starred", "source_unstarred",
)
#: Types upstream had and removed (April 2026): well formed, but answered 501.
RETIRED = ("item_seen", "source_conversation_deleted")
ITEM_TYPES = ("item_deleted", "item_seen")
MAX_BOUND = 2**63


@dataclass(frozen=True)
class Event:
    """One validated event: `event_id` in canonical decimal, exactly one of the two targets."""

    event_id: str
    type: str
    source_uuid: str | None
    item_uuid: str | None
    target_version: str
    data: Any


@dataclass
class Changed:
    """The sources and items an event touched: served in their latest state, or null if gone."""

    sources: set[str] = field(default_factory=set)
    items: set[str] = field(default_factory=set)


class EventFailed(DomainError):
    """Raised when an event cannot apply; `status` is its v2 status (404, 409, 410, 400, 501)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(status, message)
        self.status = status
        self.message = message


class AlreadyApplied(DomainError):
    """Raised when this event id was applied (or is being applied) already: answer 208."""


def _source(session: Session, source_uuid: str | None, missing: int) -> Source:
    try:
        return live_source_by_uuid(session, source_uuid or "")
    except NotFound as exc:
        raise EventFailed(missing, "source not found") from exc


def _conversation(source: Source, upper_bound: int) -> list[Submission | Reply]:
    items: list[Submission | Reply] = [*source.submissions, *source.replies]
    return [item for item in items if interaction_number(item.filename) <= upper_bound]


def _item(session: Session, item_uuid: str | None) -> tuple[Source, Submission | Reply]:
    wanted = item_uuid or ""
    submission = session.scalar(
        select(Submission).join(Source).where(Submission.uuid == wanted, *live_conditions())
    )
    if submission is not None:
        return submission.source, submission
    reply = session.scalar(select(Reply).join(Source).where(Reply.uuid == wanted, *live_conditions()))
    if reply is not None:
        return reply.source, reply
    raise EventFailed(410, "item not found")


@dataclass(frozen=True)
class Events:
    """Applies events within one unit of work, through the replies service for `reply_sent`."""

    replies: Replies

    @property
    def session(self) -> Session:
        return self.replies.session

    def claim(self, event: Event, journalist: Journalist, now: datetime) -> None:
        """Record the event id before applying it; expired ids are forgotten on the way.

        Raises:
            AlreadyApplied: the id is recorded (by any journalist). A concurrent request
                holding the same id makes this wait for it, then refuses.
        """
        session = self.session
        session.execute(delete(AppliedEvent).where(AppliedEvent.recorded_at < now - REMEMBER))
        if session.get(AppliedEvent, event.event_id) is not None:
            raise AlreadyApplied(event.event_id)
        try:
            with session.begin_nested():
                session.add(AppliedEvent(event_id=event.event_id, journalist_id=journalist.id, status=102,
                                         recorded_at=now))
        except IntegrityError as exc:
            raise AlreadyApplied(event.event_id) from exc

    def _reply_sent(self, journalist: Journalist, event: Event, changed: Changed) -> None:
        source = _source(self.session, event.source_uuid, 404)
        reply_uuid = event.data["uuid"]
        # The uuid names an item: it must be free among submissions as well as replies.
        if self.session.scalar(select(Submission.id).where(Submission.uuid == reply_uuid)) is not None:
            raise EventFailed(409, "That UUID is already in use.")
        try:
            self.replies.store_encrypted(source, journalist, event.data["reply"], reply_uuid)
        except NotEncrypted as exc:
            raise EventFailed(400, "You must encrypt replies client side") from exc
        except ReplyUUIDInUse as exc:
            raise EventFailed(409, "That UUID is already in use.") from exc
        changed.sources.add(source.uuid)
        changed.items.add(reply_uuid)

    def _on_source(self, journalist: Journalist, event: Event, changed: Changed,
                   source_version: Callable[[str], str | None]) -> None:
        session, store, kind = self.session, self.replies.store, event.type
        source = _source(session, event.source_uuid, 410)
        changed.sources.add(source.uuid)
        if kind == "source_deleted":
            # Deleting what the client has not seen yet would lose news: it must be current.
            if source_version(source.uuid) != event.target_version:
                raise EventFailed(409, "the source changed since the client last synced")
            changed.items.update(item.uuid for item in _conversation(source, MAX_BOUND))
            delete_source(session, store, source)
        elif kind == "source_conversation_truncated":
            items = _conversation(source, event.data["upper_bound"])
            changed.items.update(item.uuid for item in items)
            delete_loaded_items(session, store, source, items)
        elif kind == "source_conversation_seen":
            items = _conversation(source, event.data["upper_bound"])
            changed.items.update(item.uuid for item in items)
            mark_seen(session, journalist.id, items)
        else:  # unreachable: the web layer admits HANDLED and RETIRED types only
            raise EventFailed(501, "event type not supported")

    def apply(self, journalist: Journalist, event: Event, source_version: Callable[[str], str | None]) -> Changed:
        """Apply one claimed event; `source_version` gives a source record's current version.

        Raises:
            EventFailed: the status and message to report; the caller rolls back.
        """
        changed = Changed()
        kind = event.type
        if kind in RETIRED:
            raise EventFailed(501, "event type not supported")
        if kind == "reply_sent":
            self._reply_sent(journalist, event, changed)
        elif kind == "item_deleted":
            source, item = _item(self.session, event.item_uuid)
            delete_loaded_items(self.session, self.replies.store, source, [item])
            changed.sources.add(source.uuid)
            changed.items.add(item.uuid)
        elif kind in ("source_starred", "source_unstarred"):
            source = _source(self.session, event.source_uuid, 404)
            set_starred([source], kind == "source_starred")
            changed.sources.add(source.uuid)
        else:
            self._on_source(journalist, event, changed, source_version)
        self.session.flush()
        record = self.session.get(AppliedEvent, event.event_id)
        if record is not None:
            record.status = 200
        return changed
