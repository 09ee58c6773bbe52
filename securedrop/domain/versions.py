"""Record versions: every change to what the v2 index serves bumps a counter and stamps its source.

Hooked on the session factory (`track`, called by `db.make_session_factory`), so the web
pages, both APIs, the worker and the CLI all invalidate the index without calling anything:
a flush that adds, changes or deletes a source, submission, reply, seen-record or journalist
bumps `SyncState.generation` and stamps each affected source with the new value. A bulk
statement on those tables says which sources it touches with the execution option
`SYNC_SOURCES`; without it every source is stamped (always correct, only slower).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from sqlalchemy import event, func, select, update
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, sessionmaker
from sqlalchemy.orm import attributes as orm_attributes

from securedrop.models import Journalist, Reply, SeenFile, SeenMessage, SeenReply, Source, Submission, SyncState

#: Execution option naming the source ids a bulk statement touches.
SYNC_SOURCES = "securedrop_sync_sources"
#: Execution option of a bulk statement that changes nothing the index serves (a login's
#: one-time-code counter): no bump, so logins keep the index cache warm.
NOT_SERVED = "securedrop_sync_not_served"
#: session.info key: this transaction changed served data that is not committed yet.
UNCOMMITTED = "securedrop.sync_uncommitted"
#: session.info key: the generation a flush in progress took in before_flush.
FLUSH_GENERATION = "securedrop.sync_flush_generation"
#: Journalist columns the v2 journalist record shows; logins change others (last_login,
#: TOTP step) and must not invalidate anything.
JOURNALIST_FIELDS = ("uuid", "username", "first_name", "last_name")
SEEN_ITEM: dict[type, tuple[str, type[Submission] | type[Reply]]] = {
    SeenFile: ("file_id", Submission),
    SeenMessage: ("message_id", Submission),
    SeenReply: ("reply_id", Reply),
}
WATCHED: tuple[type, ...] = (Source, Submission, Reply, SeenFile, SeenMessage, SeenReply, Journalist)
ALL: Literal["all"] = "all"


def _journalist_changed(journalist: Journalist) -> bool:
    state = orm_attributes.instance_state(journalist)
    return any(state.attrs[name].history.has_changes() for name in JOURNALIST_FIELDS)


def _take_generation(session: Session) -> int:
    """Raise the counter by one. Its row lock is held until commit, so writers that change
    served data are ordered; every writer takes it before touching a watched row (see
    _before_flush), so two of them cannot wait on each other's rows (no deadlock)."""
    generation = session.connection().execute(
        update(SyncState).where(SyncState.id == 1).values(generation=SyncState.generation + 1)
        .returning(SyncState.generation)
    ).scalar_one()
    session.info[UNCOMMITTED] = True
    return int(generation)


def _stamp(session: Session, generation: int, source_ids: Iterable[int] | Literal["all"]) -> None:
    """Stamp `source_ids` (or every source) with `generation`."""
    conn = session.connection()
    stamp = update(Source).values(sync_generation=generation)
    if source_ids == ALL:
        conn.execute(stamp)
        return
    ids = sorted({int(source_id) for source_id in source_ids})
    for start in range(0, len(ids), 500):
        conn.execute(stamp.where(Source.id.in_(ids[start:start + 500])))


def _serves_changes(session: Session) -> bool:
    """Whether this flush changes anything the v2 index serves."""
    for obj in [*session.new, *session.dirty, *session.deleted]:
        if isinstance(obj, Journalist):
            if obj not in session.dirty or _journalist_changed(obj):
                return True
        elif isinstance(obj, WATCHED):
            return True
    return False


def _flushed_sources(session: Session) -> set[int]:
    """The ids of the sources whose served data this flush changed."""
    sources: set[int] = set()
    seen_items: dict[type[Submission] | type[Reply], set[int]] = {Submission: set(), Reply: set()}
    for obj in [*session.new, *session.dirty, *session.deleted]:
        if isinstance(obj, Source):
            sources.add(obj.id)
        elif isinstance(obj, (Submission, Reply)):
            sources.add(obj.source_id)
        elif type(obj) in SEEN_ITEM:
            column, model = SEEN_ITEM[type(obj)]
            seen_items[model].add(getattr(obj, column))
    for model, ids in seen_items.items():
        if ids:
            sources.update(session.connection().scalars(select(model.source_id).where(model.id.in_(ids))))
    return sources


def _before_flush(session: Session, _context: UOWTransaction, _instances: Any) -> None:
    # The counter first, the rows after: the same lock order as bulk statements.
    if _serves_changes(session):
        session.info[FLUSH_GENERATION] = _take_generation(session)


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    # Ids of new rows exist only now: stamp their sources with the generation taken before.
    generation = session.info.pop(FLUSH_GENERATION, None)
    if generation is not None:
        _stamp(session, generation, _flushed_sources(session))


def _before_bulk(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    if mapper is None or mapper.class_ not in WATCHED or state.execution_options.get(NOT_SERVED):
        return
    generation = _take_generation(state.session)
    named = state.execution_options.get(SYNC_SOURCES)
    if named is not None:
        _stamp(state.session, generation, named)
    elif mapper.class_ is not Journalist:  # journalists are always re-read: no source to stamp
        _stamp(state.session, generation, ALL)


def _settled(session: Session, *_args: Any) -> None:
    session.info.pop(UNCOMMITTED, None)


def track(factory: sessionmaker[Session]) -> None:
    """Keep versions for every session `factory` makes."""
    event.listen(factory, "before_flush", _before_flush)
    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "do_orm_execute", _before_bulk)
    event.listen(factory, "after_commit", _settled)
    event.listen(factory, "after_rollback", _settled)


def has_uncommitted_changes(session: Session) -> bool:
    """True when this transaction changed served data: a cache must not keep what it reads."""
    return bool(session.info.get(UNCOMMITTED)) or bool(session.new or session.dirty or session.deleted)


def current_generation(session: Session) -> int:
    return int(session.scalar(select(SyncState.generation).where(SyncState.id == 1)) or 0)


def live_source_stamps(session: Session, since: int | None = None) -> dict[str, int]:
    """Live sources' uuids and last-change stamps (only those stamped after `since`, if
    given): what an index cache compares."""
    from securedrop.domain.sources import live_conditions  # sources.py imports this module

    conditions = live_conditions() + ([Source.sync_generation > since] if since is not None else [])
    rows = session.execute(select(Source.uuid, Source.sync_generation).where(*conditions))
    return {source_uuid: stamp for source_uuid, stamp in rows}


def count_live_sources(session: Session) -> int:
    from securedrop.domain.sources import live_conditions

    return int(session.scalar(select(func.count()).select_from(Source).where(*live_conditions())) or 0)
