"""Writing a backup archive: one uncompressed ustar stream with the manifest as its last member."""

from __future__ import annotations

import base64
import json
import logging
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import BinaryIO, TextIO

from securedrop import __version__
from securedrop.backup import manifest as names
from securedrop.backup.manifest import Manifest
from securedrop.backup.progress import Progress
from securedrop.backup.snapshot import Snapshot
from securedrop.backup.tarstream import TarWriter
from securedrop.config import Settings
from securedrop.crypto.openpgp import OpenPGP, OpenPGPError
from securedrop.domain.instance import logo_path
from securedrop.onion.address import address_of_service_key
from securedrop.onion.errors import OnionError

log = logging.getLogger(__name__)



def settings_member(settings: Settings) -> bytes:
    """The settings a restored instance needs to find and unlock every source.

    The peppers and scrypt cost above all: with other values every codename derives
    to a different source, and every source is locked out.
    """
    values: dict[str, object] = {
        "id_pepper": base64.b64encode(settings.id_pepper).decode(),
        "key_pepper": base64.b64encode(settings.key_pepper).decode(),
        "source_secret_key": settings.source_secret_key,
        "journalist_secret_key": settings.journalist_secret_key,
        "scrypt_n": settings.scrypt_n,
        "default_locale": settings.default_locale,
        "supported_locales": list(settings.supported_locales),
    }
    if settings.submission_key_fpr:
        values["submission_key_fpr"] = settings.submission_key_fpr
    if settings.dev:
        values["dev"] = True
    return json.dumps(values, indent=1, sort_keys=True).encode()


def _small_members(settings: Settings, snapshot: Snapshot) -> Iterator[tuple[str, bytes]]:
    database = names.DATABASE_SQLITE if snapshot.kind == "sqlite" else names.DATABASE_PGDUMP
    yield database, snapshot.data
    yield names.SETTINGS, settings_member(settings)
    pgp = OpenPGP(settings.keyring_dir, settings.tmp_dir, settings.submission_key_fpr, settings.gpg_binary)
    try:
        yield names.SUBMISSION_KEY, pgp.export_submission_key().encode()
    except OpenPGPError as exc:
        log.warning("no submission key in the backup: %s", exc)
    logo = logo_path(settings.data_dir)
    if logo.is_file():
        yield names.LOGO, logo.read_bytes()
    for name in names.ONION_FILES:
        path = settings.onion_dir / name
        if path.is_file():
            yield f"onion/{name}", path.read_bytes()


def onion_address_of(data: bytes) -> str | None:
    try:
        return address_of_service_key(data.decode("ascii"))
    except (OnionError, UnicodeDecodeError, ValueError):
        return None


def write_archive(settings: Settings, snapshot: Snapshot, sink: BinaryIO,
                  progress_stream: TextIO | None) -> tuple[Manifest, list[str]]:
    """Stream the archive into `sink`. Returns the manifest and the store files that
    vanished between the snapshot and their copy (deleted meanwhile)."""
    small = list(_small_members(settings, snapshot))
    root = str(settings.store_dir)
    store_paths = [(f"store/{fsid}/{filename}", f"{root}/{fsid}/{filename}") for fsid, filename in snapshot.files]
    total = sum(len(data) for _, data in small)
    for _member, path in store_paths:
        try:
            total += os.stat(path).st_size
        except OSError:
            continue
    progress = Progress(total, progress_stream, "backup")
    manifest = Manifest(
        app_version=__version__,
        schema_revision=snapshot.schema_revision,
        database=snapshot.kind,
        created_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    missing: list[str] = []
    tar = TarWriter(sink, progress.advance)
    for name, data in small:
        manifest.members[name] = tar.add_bytes(name, data)
        if name == "onion/source.key":
            manifest.source_onion = onion_address_of(data)
        elif name == "onion/journalist.key":
            manifest.journalist_onion = onion_address_of(data)
    for name, path in store_paths:
        member = tar.add_file(name, path)
        if member is None:
            missing.append(name)  # deleted since the snapshot
        else:
            manifest.members[name] = member
    body = manifest.to_bytes()
    tar.add_bytes(names.MANIFEST_NAME, body)
    tar.close()
    progress.finish()
    return manifest, missing
