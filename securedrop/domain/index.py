"""The journalists' index: live sources, starred first, with per-journalist unread counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from securedrop.domain import NotFound
from securedrop.domain.collections import NothingSelected
from securedrop.domain.sources import live_conditions
from securedrop.models import SeenFile, SeenMessage, Source, Submission

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
    session: Session, journalist_id: int, designation_filter: str = "", page: int = 1, page_size: int = PAGE_SIZE
) -> IndexPage:
    """One page of live (not pending) sources: starred first, then newest
    activity first, with counts computed by the database in three queries whatever the
    number of sources."""
    conditions = live_conditions()
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


def live_source(session: Session, filesystem_id: str) -> Source:
    """The live source with this id.

    Raises:
        NotFound: unknown or pending.
    """
    source: Source | None = session.scalar(
        select(Source).where(Source.filesystem_id == filesystem_id, *live_conditions())
    )
    if source is None:
        raise NotFound(filesystem_id)
    return source


def selected_sources(session: Session, filesystem_ids: list[str]) -> list[Source]:
    """The live sources named by a bulk form, in a stable order.

    Raises:
        NothingSelected: none named.
        NotFound: one is unknown; the action must not half-apply.
    """
    wanted = list(dict.fromkeys(filesystem_ids))
    if not wanted:
        raise NothingSelected()
    found = list(
        session.scalars(
            select(Source).where(Source.filesystem_id.in_(wanted), *live_conditions()).order_by(Source.id)
        )
    )
    if len(found) != len(wanted):
        raise NotFound("source")
    return found


def set_starred(sources: list[Source], starred: bool) -> None:
    for source in sources:
        source.is_starred = starred
