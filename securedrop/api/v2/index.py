"""The v2 index and its cache: record versions kept per source, re-read only when stamped.

A request first reads the change counter (one row). Unchanged since the cached snapshot:
the snapshot answers, so a 304 costs that one query. Changed: the live sources' stamps
are compared with the cached ones and only the sources stamped since are re-read and
re-hashed (domain.versions stamps them on every flush, whoever makes the change).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.orm import Session

from securedrop.api.v2 import records
from securedrop.api.v2.hashing import digest, version
from securedrop.api.v2.records import Record
from securedrop.domain import listings as listing
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
    """Every live source with its items, and every journalist, as of one change counter.

    The index is also kept as `"uuid":"version"` JSON fragments in key order, so the
    canonical body is a join and the next snapshot re-sorts only when keys come or go.
    """

    sources: dict[str, SourceEntry]
    journalists: dict[str, Versioned]
    source_fragments: dict[str, str]
    item_fragments: dict[str, str]
    body: bytes  # the canonical unsharded index at the newest minor
    version: str

    @cached_property
    def item_sources(self) -> dict[str, str]:
        """Item uuid -> its source's uuid (built on first use: only /data looks items up)."""
        return {item: uuid for uuid, entry in self.sources.items() for item in entry.items}

    def item(self, item_uuid: str) -> Versioned | None:
        source_uuid = self.item_sources.get(item_uuid)
        return None if source_uuid is None else self.sources[source_uuid].items[item_uuid]


def _fragment(key: str, value: str) -> str:
    return f"{json.dumps(key)}:{json.dumps(value)}"


def _object(fragments: Iterable[str]) -> str:
    return "{" + ",".join(fragments) + "}"


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


def _next(
    old: Snapshot | None, fresh: dict[str, SourceEntry], removed: set[str], journalists: dict[str, Versioned]
) -> Snapshot:
    """`old` with `removed` sources dropped and `fresh` ones replaced or added."""
    sources = dict(old.sources) if old else {}
    source_fragments = dict(old.source_fragments) if old else {}
    item_fragments = dict(old.item_fragments) if old else {}
    for uuid in removed | set(fresh):
        entry = sources.pop(uuid, None)
        kept = fresh[uuid].items if uuid in fresh else {}
        # Items still there keep their place (and the order); only vanished ones go.
        for item in entry.items if entry else ():
            if item not in kept:
                item_fragments.pop(item, None)
        if uuid in removed:
            source_fragments.pop(uuid, None)
    added = False
    for uuid, entry in fresh.items():
        sources[uuid] = entry
        added |= uuid not in source_fragments
        source_fragments[uuid] = _fragment(uuid, entry.source.version)
        for item, versioned in entry.items.items():
            added |= item not in item_fragments
            item_fragments[item] = _fragment(item, versioned.version)
    if added:  # mostly sorted already: Timsort makes this nearly linear
        source_fragments = dict(sorted(source_fragments.items()))
        item_fragments = dict(sorted(item_fragments.items()))
    journalist_fragments = [_fragment(uuid, journalists[uuid].version) for uuid in sorted(journalists)]
    # Keys in order at every level, no whitespace: this join is the canonical form.
    text = (f'{{"items":{_object(item_fragments.values())},"journalists":{_object(journalist_fragments)},'
            f'"sources":{_object(source_fragments.values())}}}')
    body = text.encode("utf-8")
    return Snapshot(sources, journalists, source_fragments, item_fragments, body, digest(body))


@dataclass
class IndexCache:
    """One per app (gunicorn workers each keep their own): derived data, never authoritative."""

    generation: int | None = None
    snapshot: Snapshot | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _changes(self, session: Session, old: Snapshot) -> tuple[dict[str, int], set[str]]:
        """Sources stamped since the cached generation, and sources gone since."""
        assert self.generation is not None
        changed = versions.live_source_stamps(session, since=self.generation)
        appeared = sum(1 for uuid in changed if uuid not in old.sources)
        if versions.count_live_sources(session) == len(old.sources) + appeared:
            return changed, set()
        # Fewer than expected: something was deleted, so compare every stamp.
        stamps = versions.live_source_stamps(session)
        stale = {uuid: stamp for uuid, stamp in stamps.items()
                 if uuid not in old.sources or old.sources[uuid].stamp != stamp}
        return stale, set(old.sources) - set(stamps)

    def current(self, session: Session) -> Snapshot:
        """The snapshot as of now, re-reading only sources stamped since the cached one."""
        # Pending changes go through the version hooks first, so they are seen below.
        session.flush()
        with self.lock:
            # The counter before stamps, stamps before records: whatever commits in
            # between is newer than the generation kept, so it is re-read next time.
            generation = versions.current_generation(session)
            old = self.snapshot
            if old is not None and generation == self.generation:
                return old
            removed: set[str] = set()
            if old is None:
                changed = versions.live_source_stamps(session)
            else:
                changed, removed = self._changes(session, old)
            everything = old is None or len(changed) > len(old.sources) // 2
            fresh = _load(session, None if everything else list(changed), changed) if changed else {}
            journalists = {j.uuid: _versioned(records.journalist_record(j)) for j in listing.all_journalists(session)}
            snapshot = _next(old, fresh, removed, journalists)
            # What this transaction wrote but has not committed may yet roll back: use it, never keep it.
            if not versions.has_uncommitted_changes(session):
                self.generation, self.snapshot = generation, snapshot
            return snapshot
