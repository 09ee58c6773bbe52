"""The v2 index and its cache: record versions kept per source, re-read only when stamped.

A request first reads the change counter (one row). Unchanged since the cached snapshot:
the snapshot answers, so a 304 costs that one query. Changed: the live sources' stamps
are compared with the cached ones and only the sources stamped since are re-read and
re-hashed (domain.versions stamps them on every flush, whoever makes the change).
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from securedrop.api.v2 import records
from securedrop.api.v2.hashing import canonical, digest, version
from securedrop.api.v2.records import Record
from securedrop.domain import api_listing as listing
from securedrop.domain import versions

#: The newest client minor (API_V2 §7); the cached snapshot is in its shapes.
MINOR = 4
CHUNK = 500


@dataclass(frozen=True)
class Versioned:
    record: Record
    version: str


@dataclass(frozen=True)
class SourceEntry:
    stamp: int
    source: Versioned
    items: dict[str, Versioned]


@dataclass(frozen=True)
class Snapshot:
    """Every live source with its items, and every journalist, as of one change counter."""

    sources: dict[str, SourceEntry]
    journalists: dict[str, Versioned]
    body: bytes  # the canonical unsharded index at the newest minor
    version: str
    item_sources: dict[str, str]  # item uuid -> its source's uuid

    def item(self, item_uuid: str) -> Versioned | None:
        source_uuid = self.item_sources.get(item_uuid)
        return None if source_uuid is None else self.sources[source_uuid].items[item_uuid]


def _versioned(record: Record) -> Versioned:
    return Versioned(record, version(record))


def _load(session: Session, uuids: Collection[str] | None, stamps: dict[str, int]) -> dict[str, SourceEntry]:
    """Records of these live sources (all when `uuids` is None), in fixed query counts."""
    chunks: Iterable[Collection[str] | None] = (
        [None] if uuids is None else [list(uuids)[i:i + CHUNK] for i in range(0, len(uuids), CHUNK)]
    )
    entries: dict[str, SourceEntry] = {}
    for chunk in chunks:
        submissions: dict[str, list[listing.SubmissionView]] = {}
        for sub in listing.submission_views(session, source_uuids=chunk):
            submissions.setdefault(sub.source_uuid, []).append(sub)
        replies: dict[str, list[listing.ReplyView]] = {}
        for reply in listing.reply_views(session, source_uuids=chunk):
            replies.setdefault(reply.source_uuid, []).append(reply)
        for view in listing.source_views(session, source_uuids=chunk):
            if view.uuid not in stamps:  # went live after the stamps were read: next time
                continue
            own = submissions.get(view.uuid, [])
            items = {sub.uuid: _versioned(records.submission_record(sub)) for sub in own}
            items.update({r.uuid: _versioned(records.reply_record(r)) for r in replies.get(view.uuid, [])})
            entries[view.uuid] = SourceEntry(stamps[view.uuid], _versioned(records.source_record(view, own)), items)
    return entries


def index_body(
    sources: dict[str, SourceEntry], journalists: dict[str, Versioned], minor: int = MINOR
) -> dict[str, dict[str, str]]:
    """The index object: uuid → version of each source, item and (minor ≥ 1) journalist."""

    def ver(item: Versioned) -> str:
        return item.version if minor >= 2 else version(records.for_minor(item.record, minor))

    body = {
        "sources": {uuid: ver(entry.source) for uuid, entry in sources.items()},
        "items": {uuid: ver(item) for entry in sources.values() for uuid, item in entry.items.items()},
    }
    if minor >= 1:
        body["journalists"] = {uuid: ver(item) for uuid, item in journalists.items()}
    return body


@dataclass
class IndexCache:
    """One per app (gunicorn workers each keep their own): derived data, never authoritative."""

    generation: int | None = None
    snapshot: Snapshot | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def current(self, session: Session) -> Snapshot:
        """The snapshot as of now, re-reading only sources stamped since the cached one."""
        # Pending changes go through the version hooks first, so they are seen below.
        session.flush()
        with self.lock:
            generation = versions.current_generation(session)
            if self.snapshot is not None and generation == self.generation:
                return self.snapshot
            # Stamps before records: a change committed in between is re-read next time.
            by_uuid = versions.live_source_stamps(session)
            old = self.snapshot.sources if self.snapshot is not None else {}
            stale = [uuid for uuid, stamp in by_uuid.items() if uuid not in old or old[uuid].stamp != stamp]
            fresh = _load(session, None if not old else stale, by_uuid)
            sources = {uuid: fresh.get(uuid) or old[uuid] for uuid in by_uuid if uuid in fresh or uuid in old}
            journalists = {j.uuid: _versioned(records.journalist_record(j)) for j in listing.all_journalists(session)}
            body = canonical(index_body(sources, journalists))
            item_sources = {item: uuid for uuid, entry in sources.items() for item in entry.items}
            snapshot = Snapshot(sources, journalists, body, digest(body), item_sources)
            # What this transaction wrote but has not committed may yet roll back: use it, never keep it.
            if not versions.has_uncommitted_changes(session):
                self.generation, self.snapshot = generation, snapshot
            return snapshot

