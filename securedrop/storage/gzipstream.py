"""A readable gzip stream with adaptive compression, so documents flow straight into gpg."""

from __future__ import annotations

import gzip
import io
import zlib
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    # typeshed's buffer aliases exist only for the type checker (no runtime module on 3.11).
    from _typeshed import ReadableBuffer, WriteableBuffer

SAMPLE_BYTES = 1024 * 1024
CHUNK_BYTES = 1024 * 1024
#: A sample that level-1 deflate cannot shrink below this share is taken as
#: already-compressed data (PDF, JPEG, ZIP, video) and stored, not squeezed.
INCOMPRESSIBLE_RATIO = 0.9


def choose_level(sample: bytes) -> int:
    """6 for data that compresses, 0 (stored blocks, same gzip framing) otherwise."""
    if not sample:
        return 6
    squeezed = len(zlib.compress(sample, 1))
    return 0 if squeezed >= INCOMPRESSIBLE_RATIO * len(sample) else 6


class _Drain(io.RawIOBase):
    """What GzipFile writes to; the reader empties it after each step."""

    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: ReadableBuffer) -> int:
        chunk = bytes(data)
        self.chunks.append(chunk)
        return len(chunk)


class GzipReader(io.RawIOBase):
    """Reads as the gzip file of `source`, original name in the header, mtime 0.

    The name is kept inside the encrypted gzip header, never on disk in the clear.
    """

    def __init__(self, source: BinaryIO, filename: str) -> None:
        super().__init__()
        self._source = source
        first = source.read(SAMPLE_BYTES) or b""
        self.level = choose_level(first)
        self._drain = _Drain()
        self._gzip = gzip.GzipFile(
            filename=filename, mode="wb", compresslevel=self.level, fileobj=self._drain, mtime=0
        )
        self._pending = bytearray()
        self._eof = False
        self._feed(first)

    def _feed(self, data: bytes) -> None:
        if data:
            self._gzip.write(data)
        else:
            self._gzip.close()
            self._eof = True
        if self._drain.chunks:
            self._pending += b"".join(self._drain.chunks)
            self._drain.chunks.clear()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        want = size if size is not None and size >= 0 else 1 << 62
        while len(self._pending) < want and not self._eof:
            self._feed(self._source.read(CHUNK_BYTES) or b"")
        out = bytes(self._pending[:want])
        del self._pending[:want]
        return out

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer)
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)
