"""API v2 endpoints: the conditional index and the bulk data-and-events call (API_V2 §5)."""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Blueprint, Response, request

from securedrop import db
from securedrop.api.v1 import auth
from securedrop.api.v1.auth import journalist, json_body
from securedrop.api.v2 import records, requests
from securedrop.api.v2.hashing import canonical, digest
from securedrop.api.v2.index import IndexCache, Snapshot, index_body
from securedrop.domain import events as event_rules
from securedrop.domain.events import AlreadyApplied, Changed, EventFailed, Events
from securedrop.web.state import app_state, current_db, now, replies

blueprint = Blueprint("api_v2", __name__, url_prefix="/api/v2")
# The v1 token is the credential: the same check, and the same 403 (never 401).
blueprint.before_request(auth.before_request)

log = logging.getLogger(__name__)


def index_cache() -> IndexCache:
    state = app_state()
    if state.api_v2_index is None:
        state.api_v2_index = IndexCache()
    return state.api_v2_index


def snapshot() -> Snapshot:
    return index_cache().current(current_db())


def _json(body: Any, status: int = 200) -> Response:
    # Raw UTF-8, as the client hashes it; any valid JSON would do since it re-hashes values.
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")


def login_hints() -> dict[str, Any]:
    """What the Inbox needs from /api/v1/token: the unsharded newest-minor index version and sizes."""
    current = snapshot()
    return {"version": current.version, "sources": len(current.sources), "items": len(current.item_fragments)}


def _minor() -> int:
    return requests.minor_version(request.headers.get("Prefer"))


# merge_slashes=False: a doubled slash is a JSON 404, never a redirect (the Inbox's proxy
# does not follow redirects).
@blueprint.route("/index", methods=["GET"], merge_slashes=False)
@blueprint.route("/index/<shard_spec>", methods=["GET"], merge_slashes=False)
def index(shard_spec: str | None = None) -> Response:
    minor = _minor()
    prefixes = requests.shard_prefixes(shard_spec) if shard_spec is not None else None
    current = snapshot()
    if prefixes is None and minor >= 2:
        body, etag = current.body, current.version  # the cached newest-minor index
    else:
        chosen = current.sources
        if prefixes is not None:
            chosen = {uuid: entry for uuid, entry in chosen.items() if uuid.startswith(tuple(prefixes))}
        body = canonical(index_body(chosen, current.journalists, minor))
        etag = digest(body)
    if requests.etag_matches(request.headers.get("If-None-Match"), etag):
        response = Response(b"", status=304)
    else:
        response = Response(body, status=200, mimetype="application/json")
    response.headers["ETag"] = f'"{etag}"'
    return response


def _run_events(batch: list[event_rules.Event]) -> tuple[dict[str, list[Any]], Changed]:
    """Apply each event in its own transaction: committed when it applies, rolled back
    (effects, files and its claimed id alike) when it does not."""
    session = current_db()
    events = Events(replies())
    statuses: dict[str, list[Any]] = {}
    changed = Changed()

    def source_version(source_uuid: str) -> str | None:
        entry = snapshot().sources.get(source_uuid)
        return None if entry is None else entry.source.version

    for event in batch:
        try:
            events.claim(event, journalist(), now())
        except AlreadyApplied:
            db.commit(session)  # keeps the purge of expired ids
            statuses[event.event_id] = [208, None]
            continue
        try:
            touched = events.apply(journalist(), event, source_version)
            db.commit(session)
        except EventFailed as exc:
            db.rollback(session)
            statuses[event.event_id] = [exc.status, exc.message]
            continue
        except Exception:  # a bug in one event must not cost the others their answers
            db.rollback(session)
            log.exception("unexpected failure applying a v2 event")
            statuses[event.event_id] = [500, None]
            continue
        statuses[event.event_id] = [200, None]
        changed.sources |= touched.sources
        changed.items |= touched.items
    return statuses, changed


def _data(events_allowed: bool) -> Response:
    minor = _minor()
    wanted = requests.data_request(json_body(), minor, events_allowed)
    statuses, changed = _run_events(wanted.events)
    current = snapshot()

    def shaped(found: records.Record) -> records.Record:
        return records.for_minor(found, minor)

    sources: dict[str, Any] = {u: shaped(current.sources[u].source.record) for u in wanted.sources
                               if u in current.sources}
    items: dict[str, Any] = {}
    for uuid in wanted.items:
        item = current.item(uuid)
        if item is not None:
            items[uuid] = shaped(item.record)
    journalists = {u: current.journalists[u].record for u in wanted.journalists if u in current.journalists}
    # What events changed comes back in its latest state, requested or not; null = deleted.
    for uuid in changed.sources:
        entry = current.sources.get(uuid)
        sources[uuid] = None if entry is None else shaped(entry.source.record)
    for uuid in changed.items:
        item = current.item(uuid)
        items[uuid] = None if item is None else shaped(item.record)
    body: dict[str, Any] = {"sources": sources, "items": items, "journalists": journalists, "events": statuses}
    return _json(body)


@blueprint.route("/data", methods=["POST"], merge_slashes=False)
def data() -> Response:
    return _data(events_allowed=True)


@blueprint.route("/metadata", methods=["POST"], merge_slashes=False)
def metadata() -> Response:
    """The deprecated read-only alias older minors used: records only, never events."""
    return _data(events_allowed=False)
