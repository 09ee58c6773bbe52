"""Adaptive gzip: compressible data is squeezed, incompressible data stored, framing kept."""

from __future__ import annotations

import gzip
import io
import os

from securedrop.storage.gzipstream import GzipReader, choose_level


def _drain(reader: GzipReader, step: int = 70_000) -> bytes:
    out = bytearray()
    while chunk := reader.read(step):
        out += chunk
    return bytes(out)


def test_text_is_compressed() -> None:
    data = b"the same line again\n" * 200_000
    reader = GzipReader(io.BytesIO(data), "notes.txt")
    packed = _drain(reader)
    assert reader.level == 6
    assert len(packed) < len(data) / 20
    assert gzip.decompress(packed) == data


def test_random_data_is_stored_not_squeezed() -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    reader = GzipReader(io.BytesIO(data), "photo.jpg")
    packed = _drain(reader)
    assert reader.level == 0
    assert len(data) < len(packed) < len(data) * 1.01
    assert gzip.decompress(packed) == data


def test_header_carries_name_and_no_time() -> None:
    packed = _drain(GzipReader(io.BytesIO(b"x"), "report.pdf"))
    assert packed[:2] == b"\x1f\x8b"
    assert packed[4:8] == b"\0\0\0\0"  # mtime 0
    assert packed[10:].split(b"\0", 1)[0] == b"report.pdf"


def test_empty_input_still_makes_a_gzip_file() -> None:
    assert gzip.decompress(_drain(GzipReader(io.BytesIO(b""), "empty"))) == b""


def test_choose_level() -> None:
    assert choose_level(b"a" * 10000) == 6
    assert choose_level(os.urandom(10000)) == 0
