"""Parsing v2 requests: the minor version, uuids, the /data body and its events (API_V2 §5.3)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from werkzeug.exceptions import BadRequest, TooManyRequests, UnprocessableEntity

from securedrop.api.v2.index import MINOR
from securedrop.domain.events import HANDLED, ITEM_TYPES, RETIRED, Event

#: More events than this in one request: 429 for the whole request, nothing applied.
MAX_EVENTS = 50
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
VERSION = re.compile(r"[0-9a-f]{64}")
REQUEST_ID = re.compile(r"req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: Snowflake ids are unsigned 64-bit integers written in decimal.
EVENT_ID = re.compile(r"[0-9]{1,20}")
MAX_EVENT_ID = 2**64 - 1
DATA_KEYS = ("sources", "items", "journalists", "events")
SHARD_PREFIX = re.compile(r"[0-9a-f-]{1,35}")


@dataclass(frozen=True)
class DataRequest:
    sources: list[str]
    items: list[str]
    journalists: list[str]
    events: list[Event]


def minor_version(header: str | None) -> int:
    """`Prefer: securedrop=N`, N in 0..4; anything missing, unparseable or out of range is 4."""
    for preference in (header or "").split(","):
        name, _, value = preference.strip().partition("=")
        if name.strip().lower() == "securedrop" and value.strip().isdigit():
            number = int(value.strip())
            return number if 0 <= number <= MINOR else MINOR
    return MINOR


def shard_prefixes(spec: str) -> list[str]:
    """Raises: UnprocessableEntity: an empty prefix, one of 36+ characters, or not uuid characters."""
    prefixes = spec.split(",")
    if not all(SHARD_PREFIX.fullmatch(prefix) for prefix in prefixes):
        raise UnprocessableEntity("shard prefixes are 1 to 35 lowercase uuid characters, comma-separated")
    return prefixes


def etag_matches(header: str | None, current: str) -> bool:
    """If-None-Match as the Inbox sends it (bare hex, empty on first sync) or quoted, `W/` or `*`."""
    for candidate in (header or "").split(","):
        value = candidate.strip()
        if value.startswith("W/"):
            value = value[2:]
        value = value.strip('"')
        if value == "*" or (value and value == current):
            return True
    return False


def _uuid_list(body: dict[str, Any], key: str) -> list[str]:
    value = body.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and UUID.fullmatch(v) for v in value):
        raise UnprocessableEntity(f"{key} must be a list of lowercase uuids")
    return list(dict.fromkeys(value))


def _event(raw: Any) -> Event:
    """One event, checked in full. Raises: BadRequest: anything malformed."""
    if not isinstance(raw, dict) or not {"id", "type", "target"} <= raw.keys() <= {"id", "type", "target", "data"}:
        raise BadRequest("an event is an object with id, type, target and data")
    event_id, kind, target, data = raw["id"], raw["type"], raw["target"], raw.get("data")
    if not isinstance(event_id, str) or not EVENT_ID.fullmatch(event_id) or int(event_id) > MAX_EVENT_ID:
        raise BadRequest("an event id is a decimal snowflake string")
    if kind not in HANDLED + RETIRED:
        raise BadRequest("unknown event type")
    key = "item_uuid" if kind in ITEM_TYPES else "source_uuid"
    if (
        not isinstance(target, dict) or set(target) != {key, "version"}
        or not isinstance(target[key], str) or not UUID.fullmatch(target[key])
        or not isinstance(target["version"], str) or not VERSION.fullmatch(target["version"])
    ):
        raise BadRequest(f"the target of {kind} is {{{key}, version}} with a uuid and 64 hex digits")
    if kind == "reply_sent":
        if (
            not isinstance(data, dict) or set(data) != {"uuid", "reply"}
            or not isinstance(data["uuid"], str) or not UUID4.fullmatch(data["uuid"])
            or not isinstance(data["reply"], str)
        ):
            raise BadRequest("reply_sent data is {uuid: a new uuid4, reply: an armored message}")
    elif kind in ("source_conversation_truncated", "source_conversation_seen"):
        bound = data.get("upper_bound") if isinstance(data, dict) and set(data) == {"upper_bound"} else None
        if not isinstance(bound, int) or isinstance(bound, bool) or bound < 0:
            raise BadRequest(f"{kind} data is {{upper_bound: an integer >= 0}}")
    elif data is not None:
        raise BadRequest(f"{kind} carries no data")
    return Event(
        event_id=str(int(event_id)), type=kind,
        source_uuid=target.get("source_uuid"), item_uuid=target.get("item_uuid"),
        target_version=target["version"], data=data,
    )


def data_request(body: Any, minor: int, events_allowed: bool) -> DataRequest:
    """The /data (or /metadata) body, every part checked before anything is applied.

    Raises:
        UnprocessableEntity: not an object, an unknown key, a non-list, a non-uuid.
        TooManyRequests: more than MAX_EVENTS events.
        BadRequest: a malformed or repeated event, or events where none are allowed.
    """
    if not isinstance(body, dict) or not set(body) <= set(DATA_KEYS):
        raise UnprocessableEntity(f"the body is an object with keys among {', '.join(DATA_KEYS)}")
    lists = [_uuid_list(body, key) for key in DATA_KEYS[:3]]
    raw_events = body.get("events", [])
    if not isinstance(raw_events, list):
        raise UnprocessableEntity("events must be a list")
    if len(raw_events) > MAX_EVENTS:
        raise TooManyRequests(f"at most {MAX_EVENTS} events per request")
    if raw_events and (minor < 3 or not events_allowed):
        raise BadRequest("events need Prefer: securedrop=3 or later, on /api/v2/data")
    events = [_event(raw) for raw in raw_events]
    ids = [event.event_id for event in events]
    if len(set(ids)) != len(ids):
        raise BadRequest("an event id appears twice in one request")
    # Snowflakes order by time: apply in ascending numeric order, whatever the list order.
    events.sort(key=lambda event: int(event.event_id))
    return DataRequest(lists[0], lists[1], lists[2], events)
