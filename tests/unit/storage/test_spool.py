"""The encrypted upload spool keeps plaintext off the disk."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from securedrop.storage.spool import MEMORY_LIMIT, EncryptedSpool

MARKER = b"PLAINTEXT-MARKER-7f3a9c"


def _disk_bytes(tmp_path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())


def test_small_parts_stay_in_memory(tmp_path: Path) -> None:
    spool = EncryptedSpool(tmp_path, expected_size=100)
    spool.write(MARKER)
    assert list(tmp_path.iterdir()) == []
    spool.seek(0)
    assert spool.read() == MARKER
    spool.close()


def test_large_parts_are_encrypted_on_disk_and_read_back(tmp_path: Path) -> None:
    payload = MARKER * ((3 * MEMORY_LIMIT) // len(MARKER))
    spool = EncryptedSpool(tmp_path, expected_size=None)
    for start in range(0, len(payload), 65536):
        spool.write(payload[start:start + 65536])
    on_disk = _disk_bytes(tmp_path)
    assert len(on_disk) == len(payload)
    assert MARKER not in on_disk
    assert spool.size == len(payload)
    spool.seek(0)
    out = io.BytesIO()
    while chunk := spool.read(100_000):
        out.write(chunk)
    assert out.getvalue() == payload
    spool.close()
    assert list(tmp_path.iterdir()) == []


def test_growing_past_the_memory_limit_moves_to_disk_encrypted(tmp_path: Path) -> None:
    spool = EncryptedSpool(tmp_path, expected_size=10)
    spool.write(MARKER * 10)
    spool.write(os.urandom(MEMORY_LIMIT))
    assert len(list(tmp_path.iterdir())) == 1
    assert MARKER not in _disk_bytes(tmp_path)
    spool.seek(0)
    assert spool.read(len(MARKER) * 10) == MARKER * 10
    spool.close()


def test_two_spools_use_different_keys(tmp_path: Path) -> None:
    a, b = EncryptedSpool(tmp_path), EncryptedSpool(tmp_path)
    a.write(b"\0" * 1000)
    b.write(b"\0" * 1000)
    files = sorted(tmp_path.iterdir())
    assert files[0].read_bytes() != files[1].read_bytes()
    a.close()
    b.close()


def test_only_rewinding_is_supported(tmp_path: Path) -> None:
    spool = EncryptedSpool(tmp_path)
    spool.write(b"abc")
    with pytest.raises(io.UnsupportedOperation):
        spool.seek(1)
    spool.seek(0)
    with pytest.raises(io.UnsupportedOperation):
        spool.write(b"more")
    spool.close()
