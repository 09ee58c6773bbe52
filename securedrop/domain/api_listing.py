"""What the journalist API reads: live sources, submissions and replies, in a few queries.

Every listing costs a fixed number of aggregate queries whatever the number of sources
(no N+1, no gpg call: keys and fingerprints are columns), so 10,000 sources stay well
inside a desktop client's 20 s timeout.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session

from securedrop.domain import NotFound
from securedrop.domain.sources import live_conditions
from securedrop.models import Reply, SeenFile, SeenMessage, SeenReply, Source, Submission
from securedrop.models.journalists import Journalist


@dataclass(frozen=True)
class SourceView:
    uuid: str
    designation: str
    is_starred: bool
    last_updated: datetime
    interaction_count: int
    public_key: str
    fingerprint: str
    documents: int
    messages: int


@dataclass(frozen=True)
class SubmissionView:
    uuid: str
    source_uuid: str
    filename: str
    size: int
    seen_by: list[str]


@dataclass(frozen=True)
class ReplyView:
    uuid: str
    source_uuid: str
    filename: str
    size: int
    journalist_uuid: str
    journalist_username: str
    journalist_first_name: str | None
    journalist_last_name: str | None
    deleted_by_source: bool
    seen_by: list[str]


def _collect_seen_by(session: Session, seen: dict[int, list[str]], query: Select[int, str]) -> None:
    """Add each (item id, journalist uuid) row of `query` to `seen`, without duplicates."""
    for item_id, journalist_uuid in session.execute(query):
        if journalist_uuid not in seen[item_id]:
            seen[item_id].append(journalist_uuid)


def live_source(session: Session, source_uuid: str) -> Source:
    """Raises: NotFound: unknown (or malformed) uuid, or a pending source."""
    source = session.scalar(select(Source).where(Source.uuid == source_uuid, *live_conditions()))
    if source is None:
        raise NotFound(source_uuid)
    return source


def source_submission(session: Session, source: Source, submission_uuid: str) -> Submission:
    """Raises: NotFound: no such submission of *this* source."""
    found = session.scalar(
        select(Submission).where(Submission.uuid == submission_uuid, Submission.source_id == source.id)
    )
    if found is None:
        raise NotFound(submission_uuid)
    return found


def source_reply(session: Session, source: Source, reply_uuid: str) -> Reply:
    """Raises: NotFound: no such reply of *this* source."""
    found = session.scalar(select(Reply).where(Reply.uuid == reply_uuid, Reply.source_id == source.id))
    if found is None:
        raise NotFound(reply_uuid)
    return found


def _of_sources(source_uuids: Collection[str] | None) -> list[ColumnElement[bool]]:
    return [Source.uuid.in_(source_uuids)] if source_uuids is not None else []


def source_views(
    session: Session, source_id: int | None = None, source_uuids: Collection[str] | None = None
) -> list[SourceView]:
    """Live sources (or one, or those with these uuids) with document and message counts, by id: two queries."""
    conditions = live_conditions() + ([Source.id == source_id] if source_id is not None else [])
    conditions += _of_sources(source_uuids)
    rows = session.execute(
        select(
            Source.id, Source.uuid, Source.journalist_designation, Source.is_starred, Source.last_updated,
            Source.interaction_count, Source.public_key, Source.fingerprint,
        ).where(*conditions).order_by(Source.id)
    ).all()
    is_message = Submission.is_message
    counted = (
        select(
            Submission.source_id,
            func.sum(case((is_message, 1), else_=0)),
            func.sum(case((is_message, 0), else_=1)),
        )
        .join(Source, Source.id == Submission.source_id)
        .where(*conditions)
        .group_by(Submission.source_id)
    )
    counts = {sid: (int(m or 0), int(d or 0)) for sid, m, d in session.execute(counted)}
    return [
        SourceView(
            uuid=row.uuid,
            designation=row.journalist_designation,
            is_starred=row.is_starred,
            last_updated=row.last_updated,
            interaction_count=row.interaction_count,
            public_key=row.public_key,
            fingerprint=row.fingerprint,
            messages=counts.get(row.id, (0, 0))[0],
            documents=counts.get(row.id, (0, 0))[1],
        )
        for row in rows
    ]


def submission_views(
    session: Session, source_id: int | None = None, submission_id: int | None = None,
    source_uuids: Collection[str] | None = None,
) -> list[SubmissionView]:
    """Submissions of live sources (or of some sources, or one submission) with the uuids
    of the journalists who have seen each: three queries."""
    conditions = live_conditions() + _of_sources(source_uuids)
    if source_id is not None:
        conditions.append(Submission.source_id == source_id)
    if submission_id is not None:
        conditions.append(Submission.id == submission_id)
    rows = session.execute(
        select(Submission.id, Submission.uuid, Source.uuid.label("source_uuid"), Submission.filename,
               Submission.size)
        .join(Source, Source.id == Submission.source_id)
        .where(*conditions)
        .order_by(Submission.id)
    ).all()
    seen: dict[int, list[str]] = defaultdict(list)
    for model, column in ((SeenFile, SeenFile.file_id), (SeenMessage, SeenMessage.message_id)):
        _collect_seen_by(session, seen, (
            select(column, Journalist.uuid)
            .join(Journalist, Journalist.id == model.journalist_id)
            .join(Submission, Submission.id == column)
            .join(Source, Source.id == Submission.source_id)
            .where(*conditions)
            .order_by(model.id)
        ))
    return [
        SubmissionView(item_uuid, source_uuid, filename, size, seen.get(item_id, []))
        for item_id, item_uuid, source_uuid, filename, size in rows
    ]


def reply_views(
    session: Session, source_id: int | None = None, reply_id: int | None = None,
    source_uuids: Collection[str] | None = None,
) -> list[ReplyView]:
    """Replies of live sources (or of some sources, or one reply) with author and seen-by: two queries."""
    conditions = live_conditions() + _of_sources(source_uuids)
    if source_id is not None:
        conditions.append(Reply.source_id == source_id)
    if reply_id is not None:
        conditions.append(Reply.id == reply_id)
    rows = session.execute(
        select(Reply.id, Reply.uuid, Source.uuid.label("source_uuid"), Reply.filename, Reply.size,
               Reply.deleted_by_source, Journalist.uuid.label("j_uuid"), Journalist.username,
               Journalist.first_name, Journalist.last_name)
        .join(Source, Source.id == Reply.source_id)
        .join(Journalist, Journalist.id == Reply.journalist_id)
        .where(*conditions)
        .order_by(Reply.id)
    ).all()
    seen: dict[int, list[str]] = defaultdict(list)
    _collect_seen_by(session, seen, (
        select(SeenReply.reply_id, Journalist.uuid)
        .join(Journalist, Journalist.id == SeenReply.journalist_id)
        .join(Reply, Reply.id == SeenReply.reply_id)
        .join(Source, Source.id == Reply.source_id)
        .where(*conditions)
        .order_by(SeenReply.id)
    ))
    views = []
    for row in rows:
        seen_by = seen.get(row.id, [])
        if row.j_uuid not in seen_by:  # the author has always seen their own reply
            seen_by = [row.j_uuid, *seen_by]
        views.append(ReplyView(
            uuid=row.uuid, source_uuid=row.source_uuid, filename=row.filename, size=row.size,
            journalist_uuid=row.j_uuid, journalist_username=row.username,
            journalist_first_name=row.first_name, journalist_last_name=row.last_name,
            deleted_by_source=row.deleted_by_source, seen_by=seen_by,
        ))
    return views


def all_journalists(session: Session) -> list[Journalist]:
    """Every account by id, the `deleted` placeholder included: clients resolve `seen_by`
    and reply authors against this list."""
    return list(session.scalars(select(Journalist).order_by(Journalist.id)))
