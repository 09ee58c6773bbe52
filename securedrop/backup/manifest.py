"""The manifest of a backup archive: versions, schema revision and a SHA-256 per member."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from securedrop.backup import ArchiveInvalid
from securedrop.storage.names import FILESYSTEM_ID, is_valid_stored_name

#: Bumped when the layout of an archive changes incompatibly.
FORMAT = 1
MANIFEST_NAME = "manifest.json"

DATABASE_SQLITE = "database/db.sqlite"
DATABASE_PGDUMP = "database/db.pgdump"
SETTINGS = "config/settings.json"
SUBMISSION_KEY = "keys/submission.asc"
LOGO = "instance/custom_logo.png"
#: Files of <data dir>/onion/ worth keeping: the two service keys and the journalist
#: onion's recorded address (what `onion-key issue` prints).
ONION_FILES = ("source.key", "journalist.key", "journalist.address")
FIXED_MEMBERS = {DATABASE_SQLITE, DATABASE_PGDUMP, SETTINGS, SUBMISSION_KEY, LOGO} | {
    f"onion/{name}" for name in ONION_FILES
}


def is_allowed_member(name: str) -> bool:
    """Whether `name` may appear in an archive: a fixed member or store/<id>/<stored name>.

    Restore refuses anything else, so a crafted archive cannot write outside the
    places a backup fills (no "..", no absolute paths, no links).
    """
    if name in FIXED_MEMBERS:
        return True
    parts = name.split("/")
    return (
        len(parts) == 3
        and parts[0] == "store"
        and FILESYSTEM_ID.fullmatch(parts[1]) is not None
        and is_valid_stored_name(parts[2])
    )


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Member:
    size: int
    sha256: str


@dataclass
class Manifest:
    """What a restore checks before it writes anything."""

    app_version: str
    schema_revision: str
    database: str  # "sqlite" or "postgresql"
    created_at: str
    source_onion: str | None = None
    journalist_onion: str | None = None
    members: dict[str, Member] = field(default_factory=dict)
    format: int = FORMAT

    def _body(self) -> dict[str, Any]:
        # Built by hand: dataclasses.asdict deep-copies, which costs seconds for 30,000 members.
        return {
            "format": self.format,
            "app_version": self.app_version,
            "schema_revision": self.schema_revision,
            "database": self.database,
            "created_at": self.created_at,
            "source_onion": self.source_onion,
            "journalist_onion": self.journalist_onion,
            "members": {name: {"size": m.size, "sha256": m.sha256} for name, m in self.members.items()},
        }

    def to_bytes(self) -> bytes:
        canonical = _canonical(self._body())
        # A digest of the manifest itself: a damaged manifest fails as clearly as a
        # damaged member instead of being half-believed.
        digest = hashlib.sha256(canonical).hexdigest()
        return b'{"manifest":' + canonical + b',"sha256":"' + digest.encode() + b'"}\n'

    @classmethod
    def from_bytes(cls, data: bytes) -> Manifest:
        """Raises: ArchiveInvalid: not a manifest, damaged, or of an unknown format."""
        try:
            outer = json.loads(data)
            body = outer["manifest"]
            intact = hashlib.sha256(_canonical(body)).hexdigest() == outer["sha256"]
        except (ValueError, KeyError, TypeError):
            raise ArchiveInvalid("The archive's manifest is damaged; nothing was restored.") from None
        if not intact:
            raise ArchiveInvalid("The archive's manifest does not match its own checksum; nothing was restored.")
        if body.get("format") != FORMAT:
            raise ArchiveInvalid(
                f"The archive has format {body.get('format')!r}; this version reads format {FORMAT}."
            )
        return cls._parse(body)

    @classmethod
    def _parse(cls, body: dict[str, Any]) -> Manifest:
        try:
            members = {
                str(name): Member(int(entry["size"]), str(entry["sha256"]))
                for name, entry in body["members"].items()
            }
            manifest = cls(
                app_version=str(body["app_version"]),
                schema_revision=str(body["schema_revision"]),
                database=str(body["database"]),
                created_at=str(body["created_at"]),
                source_onion=body.get("source_onion"),
                journalist_onion=body.get("journalist_onion"),
                members=members,
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ArchiveInvalid("The archive's manifest lacks a required field; nothing was restored.") from None
        bad = [name for name in members if not is_allowed_member(name)]
        if bad or manifest.database not in ("sqlite", "postgresql"):
            raise ArchiveInvalid("The archive's manifest names members a backup never holds; nothing was restored.")
        if not re.fullmatch(r"[0-9A-Za-z_]{1,64}", manifest.schema_revision):
            raise ArchiveInvalid("The archive's manifest has no valid schema revision; nothing was restored.")
        return manifest
