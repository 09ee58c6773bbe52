"""Read models for the web pages and the API: the index, a conversation, and the API's listings.

Every listing costs a fixed number of aggregate queries whatever the number of sources
(no N+1, no gpg call: keys and fingerprints are columns), so 10,000 sources stay well
inside a desktop client's 20 s timeout."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import Session

from securedrop.domain.sources import live_conditions
from securedrop.models import Reply, SeenFile, SeenMessage, SeenReply, Source, Submission
from securedrop.models.journalists import Journalist
from securedrop.storage.names import interaction_number

PAGE_SIZE = 100


MAX_FILTER_CHARS = 100


@dataclass(frozen=True)
class SourceRow:
    """What the index shows of one source."""

    filesystem_id: str
    designation: str
    last_updated: datetime
    is_starred: bool
    messages: int
    documents: int
    unread: int


@dataclass(frozen=True)
class IndexPage:
    rows: list[SourceRow]
    total: int
    page: int
    pages: int


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_sources(
    session: Session,
    journalist_id: int,
    designation_filter: str = "",
    page: int = 1,
    only: ColumnElement[bool] | None = None,
) -> IndexPage:
    """One page of live (not pending) sources, `only` those matching it when given: starred
    first, then newest activity first, with counts computed by the database in three
    queries whatever the number of sources."""
    page_size = PAGE_SIZE
    conditions = live_conditions()
    if only is not None:
        conditions.append(only)
    wanted = " ".join(designation_filter.split()).lower()[:MAX_FILTER_CHARS]
    if wanted:
        conditions.append(Source.journalist_designation.ilike(f"%{_escape_like(wanted)}%", escape="\\"))
    total = int(session.scalar(select(func.count()).select_from(Source).where(*conditions)) or 0)
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    sources = session.execute(
        select(
            Source.id, Source.filesystem_id, Source.journalist_designation, Source.last_updated, Source.is_starred
        )
        .where(*conditions)
        .order_by(Source.is_starred.desc(), Source.last_updated.desc(), Source.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    ids = [row.id for row in sources]
    counts: dict[int, tuple[int, int, int]] = {}
    if ids:
        is_message = Submission.is_message
        unseen = and_(SeenFile.id.is_(None), SeenMessage.id.is_(None))
        aggregate = (
            select(
                Submission.source_id,
                func.sum(case((is_message, 1), else_=0)),
                func.sum(case((is_message, 0), else_=1)),
                func.sum(case((unseen, 1), else_=0)),
            )
            .outerjoin(SeenFile, and_(SeenFile.file_id == Submission.id, SeenFile.journalist_id == journalist_id))
            .outerjoin(
                SeenMessage, and_(SeenMessage.message_id == Submission.id, SeenMessage.journalist_id == journalist_id)
            )
            .where(Submission.source_id.in_(ids))
            .group_by(Submission.source_id)
        )
        for source_id, messages, documents, unread in session.execute(aggregate):
            counts[source_id] = (int(messages or 0), int(documents or 0), int(unread or 0))
    rows = [
        SourceRow(
            filesystem_id=row.filesystem_id,
            designation=row.journalist_designation,
            last_updated=row.last_updated,
            is_starred=row.is_starred,
            messages=counts.get(row.id, (0, 0, 0))[0],
            documents=counts.get(row.id, (0, 0, 0))[1],
            unread=counts.get(row.id, (0, 0, 0))[2],
        )
        for row in sources
    ]
    return IndexPage(rows=rows, total=total, page=page, pages=pages)


@dataclass(frozen=True)
class Item:
    """One entry of a conversation, as the source page lists it."""

    filename: str
    number: int
    kind: str  # "message", "document" or "reply"
    size: int
    seen: bool
    author: str | None  # a reply's journalist
    deleted_by_source: bool = False


def conversation(session: Session, source: Source, journalist: Journalist) -> list[Item]:
    """Messages, documents and replies in interaction order, each with this journalist's
    seen flag."""
    submissions = list(session.scalars(select(Submission).where(Submission.source_id == source.id)))
    replies = list(session.scalars(select(Reply).where(Reply.source_id == source.id)))
    seen_files = set(session.scalars(select(SeenFile.file_id).where(SeenFile.journalist_id == journalist.id)
                                     .join(Submission, Submission.id == SeenFile.file_id)
                                     .where(Submission.source_id == source.id)))
    seen_messages = set(session.scalars(select(SeenMessage.message_id)
                                        .where(SeenMessage.journalist_id == journalist.id)
                                        .join(Submission, Submission.id == SeenMessage.message_id)
                                        .where(Submission.source_id == source.id)))
    items = [
        Item(
            filename=s.filename,
            number=interaction_number(s.filename),
            kind="message" if s.is_message else "document",
            size=s.size,
            seen=s.id in (seen_messages if s.is_message else seen_files),
            author=None,
        )
        for s in submissions
    ]
    items += [
        Item(
            filename=r.filename,
            number=interaction_number(r.filename),
            kind="reply",
            size=r.size,
            seen=True,
            author=r.journalist.username,
            deleted_by_source=r.deleted_by_source,
        )
        for r in replies
    ]
    items.sort(key=lambda item: item.number)
    return items


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
