"""Reading an archive: open it (plain or encrypted), check every member against the manifest."""

from __future__ import annotations

import hashlib
import tarfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from alembic.script import ScriptDirectory

from securedrop import db
from securedrop.backup import ArchiveInvalid, SchemaTooNew
from securedrop.backup.manifest import MANIFEST_NAME, Manifest, Member, is_allowed_member
from securedrop.crypto.archive_decryption import ArchiveDecryptionFailed, decrypted_stream

#: A manifest for 10,000 sources with a few files each is a few MB; more is not ours.
MAX_MANIFEST_BYTES = 256 * 1024 * 1024
CHUNK = 1024 * 1024
_TAR_MAGIC_OFFSET = 257


def is_encrypted(path: Path) -> bool:
    """True for an OpenPGP file, False for a tar; ArchiveInvalid for anything else."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(512)
    except OSError as exc:
        raise ArchiveInvalid(f"Cannot read {path}: {exc.strerror}.") from None
    if head[_TAR_MAGIC_OFFSET:_TAR_MAGIC_OFFSET + 5] == b"ustar":
        return False
    if head and head[0] & 0x80:  # every OpenPGP packet header has its top bit set
        return True
    raise ArchiveInvalid(f"{path} is neither a backup archive nor an encrypted one.")


@contextmanager
def opened(path: Path, gnupg_home: Path | None) -> Iterator[IO[bytes]]:
    """The archive's plaintext stream. Raises ArchiveInvalid if gpg fails."""
    if not is_encrypted(path):
        with open(path, "rb") as handle:
            yield handle
        return
    try:
        with decrypted_stream(path, gnupg_home) as stream:
            yield stream
    except ArchiveDecryptionFailed as exc:
        raise ArchiveInvalid(f"gpg could not decrypt the archive ({exc}); nothing was restored.") from None


MemberVisitor = Callable[[str, tarfile.TarFile, tarfile.TarInfo], Member]


def walk(stream: IO[bytes], visit: MemberVisitor) -> tuple[dict[str, Member], bytes]:
    """Call `visit` on every member before the manifest; returns what it measured and
    the manifest's bytes.

    Raises: ArchiveInvalid: a truncated or damaged tar, an unexpected member, no manifest.
    """
    seen: dict[str, Member] = {}
    manifest: bytes | None = None
    try:
        with tarfile.open(fileobj=stream, mode="r|") as tar:
            for info in tar:
                if manifest is not None:
                    raise ArchiveInvalid("The archive has members after its manifest; nothing was restored.")
                if not info.isfile() or (info.name != MANIFEST_NAME and not is_allowed_member(info.name)):
                    raise ArchiveInvalid(
                        f"The archive holds {info.name!r}, which no backup holds; nothing was restored."
                    )
                if info.name == MANIFEST_NAME:
                    handle = tar.extractfile(info)
                    if info.size > MAX_MANIFEST_BYTES or handle is None:
                        raise ArchiveInvalid("The archive's manifest is implausibly large; nothing was restored.")
                    manifest = handle.read()
                    continue
                if info.name in seen:
                    raise ArchiveInvalid(f"The archive holds {info.name!r} twice; nothing was restored.")
                seen[info.name] = visit(info.name, tar, info)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ArchiveInvalid(f"The archive is truncated or damaged ({exc}); nothing was restored.") from None
    if manifest is None:
        raise ArchiveInvalid("The archive has no manifest: it is truncated or not a backup; nothing was restored.")
    return seen, manifest


def hash_member(_name: str, tar: tarfile.TarFile, info: tarfile.TarInfo) -> Member:
    handle = tar.extractfile(info)
    assert handle is not None  # a regular file, checked by walk()
    digest = hashlib.sha256()
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    return Member(info.size, digest.hexdigest())


def compare(manifest: Manifest, seen: dict[str, Member]) -> None:
    """Raises: ArchiveInvalid: a member is missing, extra, or differs from the manifest."""
    missing = sorted(set(manifest.members) - set(seen))
    if missing:
        raise ArchiveInvalid(
            f"The archive lacks {len(missing)} member(s) its manifest lists, e.g. {missing[0]}; nothing was restored."
        )
    extra = sorted(set(seen) - set(manifest.members))
    if extra:
        raise ArchiveInvalid(f"The archive holds {extra[0]}, which its manifest does not list; nothing was restored.")
    for name, member in sorted(seen.items()):
        if member != manifest.members[name]:
            raise ArchiveInvalid(
                f"{name} does not match its checksum in the manifest (altered or damaged); nothing was restored."
            )


def known_revisions() -> list[str]:
    """Schema revisions this version can migrate from, oldest first."""
    script = ScriptDirectory.from_config(db.alembic_config("sqlite://"))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def check_schema(manifest: Manifest) -> None:
    """Raises: SchemaTooNew: the archive comes from a newer version of this software."""
    if manifest.schema_revision not in known_revisions():
        raise SchemaTooNew(
            f"The archive's database has schema revision {manifest.schema_revision}, which this version "
            f"does not know (it was made by securedrop {manifest.app_version}); install that version or "
            "newer, then restore. Nothing was restored."
        )


def verify(path: Path, gnupg_home: Path | None = None) -> Manifest:
    """Read the whole archive once and check it, writing nothing.

    Raises: ArchiveInvalid (SchemaTooNew for a newer schema).
    """
    with opened(path, gnupg_home) as stream:
        seen, raw = walk(stream, hash_member)
    manifest = Manifest.from_bytes(raw)
    compare(manifest, seen)
    check_schema(manifest)
    return manifest
