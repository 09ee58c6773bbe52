"""The manifest: what a backup may hold, and a damaged manifest is never half-believed."""

from __future__ import annotations

import pytest

from securedrop.backup import ArchiveInvalid
from securedrop.backup.manifest import Manifest, Member, is_allowed_member

FSID = "A" * 103 + "="


@pytest.mark.parametrize("name", [
    "database/db.sqlite", "config/settings.json", "onion/source.key", f"store/{FSID}/1-brave_otter-msg.gpg",
])
def test_members_a_backup_holds(name: str) -> None:
    assert is_allowed_member(name)


@pytest.mark.parametrize("name", [
    "../etc/passwd", "/etc/passwd", f"store/{FSID}/../../config.toml", "store/lower-case/1-a-msg.gpg",
    f"store/{FSID}/1-a-msg.gpg/extra", "tmp/spool-1", "shredder/x", "onion/other.key", "config.toml",
])
def test_anything_else_is_refused(name: str) -> None:
    assert not is_allowed_member(name)


def _manifest() -> Manifest:
    return Manifest(app_version="0.1.0", schema_revision="0005", database="sqlite", created_at="2026-01-01T00:00:00Z",
                    members={"database/db.sqlite": Member(10, "ab" * 32)})


def test_round_trip() -> None:
    manifest = _manifest()
    assert Manifest.from_bytes(manifest.to_bytes()) == manifest


@pytest.mark.parametrize("data", [b"", b"{", b'{"manifest": {}, "sha256": "00"}', b"\xff\xfe"])
def test_garbage_is_a_clear_error(data: bytes) -> None:
    with pytest.raises(ArchiveInvalid, match="nothing was restored"):
        Manifest.from_bytes(data)


def test_an_edited_manifest_fails_its_own_checksum() -> None:
    data = _manifest().to_bytes().replace(b'"0005"', b'"0004"')
    with pytest.raises(ArchiveInvalid, match="its own checksum"):
        Manifest.from_bytes(data)
