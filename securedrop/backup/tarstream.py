"""A minimal ustar writer: regular files only, no owners or times, fast for many small files."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import BinaryIO

from securedrop.backup import BackupError
from securedrop.backup.manifest import Member

BLOCK = 512
RECORD = 20 * BLOCK  # what tar pads an archive to
CHUNK = 1024 * 1024
#: 11 octal digits in the ustar size field.
MAX_MEMBER_BYTES = 8**11 - 1


def _octal(value: int, width: int) -> bytes:
    return f"{value:0{width - 1}o}".encode() + b"\0"


def header(name: str, size: int) -> bytes:
    """The 512-byte ustar header of a regular file, mode 0600, owner 0, mtime 0.

    Python's tarfile spends most of a 30,000-file backup building headers (and copying
    TarInfo objects); this writes the same bytes directly. Names longer than 100 bytes
    use ustar's prefix field, split at the last '/'.
    """
    if size > MAX_MEMBER_BYTES:
        raise BackupError(f"{name} is larger than a tar member can be.")
    prefix, base = "", name
    if len(name) > 100:
        prefix, _, base = name.rpartition("/")
        if not prefix or len(prefix) > 155 or len(base) > 100:
            raise BackupError(f"{name!r} is too long for the archive format.")
    block = bytearray(
        base.encode("ascii").ljust(100, b"\0")
        + _octal(0o600, 8) + _octal(0, 8) + _octal(0, 8) + _octal(size, 12) + _octal(0, 12)
        + b" " * 8 + b"0" + b"\0" * 100 + b"ustar\x0000" + b"\0" * 64 + _octal(0, 8) + _octal(0, 8)
        + prefix.encode("ascii").ljust(155, b"\0") + b"\0" * 12
    )
    block[148:156] = f"{sum(block):06o}".encode() + b"\0 "
    return bytes(block)


def _padding(size: int) -> bytes:
    return b"\0" * (-size % BLOCK)


class TarWriter:
    """Appends members to `sink`; `close()` writes the end-of-archive blocks."""

    def __init__(self, sink: BinaryIO, advance: Callable[[int], None]) -> None:
        self._sink = sink
        self._advance = advance
        self._written = 0

    def _write(self, data: bytes) -> None:
        self._sink.write(data)
        self._written += len(data)

    def add_bytes(self, name: str, data: bytes) -> Member:
        self._write(header(name, len(data)) + data + _padding(len(data)))
        self._advance(len(data))
        return Member(len(data), hashlib.sha256(data).hexdigest())

    def add_file(self, name: str, path: str) -> Member | None:
        """Copy the file at `path`; None if it no longer exists.

        Raises: BackupError: the file changed size while it was copied (stored files
        never do: they are written once and renamed into place).
        """
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except FileNotFoundError:
            return None
        with os.fdopen(fd, "rb", buffering=0) as handle:
            size = os.fstat(fd).st_size
            digest = hashlib.sha256()
            if size <= CHUNK:
                data = handle.read(size + 1)
                if len(data) != size:
                    raise BackupError(f"{name} changed while it was backed up.")
                digest.update(data)
                self._write(header(name, size) + data + _padding(size))
                self._advance(size)
                return Member(size, digest.hexdigest())
            self._write(header(name, size))
            done = 0
            while chunk := handle.read(min(CHUNK, size - done)):
                digest.update(chunk)
                self._write(chunk)
                self._advance(len(chunk))
                done += len(chunk)
            if done != size or handle.read(1):
                raise BackupError(f"{name} changed while it was backed up.")
            self._write(_padding(size))
        return Member(size, digest.hexdigest())

    def close(self) -> None:
        end = 2 * BLOCK
        self._write(b"\0" * (end + (-(self._written + end) % RECORD)))
