"""The ustar writer's output is read back, name for name and byte for byte, by tarfile and GNU tar."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from securedrop.backup import BackupError
from securedrop.backup.tarstream import CHUNK, TarWriter

LONG = "store/" + "B" * 103 + "=/12-a_long_designation-doc.gz.gpg"


def test_members_read_back(tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.write_bytes(os.urandom(CHUNK * 2 + 7))
    small = tmp_path / "small"
    small.write_bytes(b"x" * 513)
    sink = io.BytesIO()
    advanced: list[int] = []
    writer = TarWriter(sink, advanced.append)
    members = {
        "config/settings.json": writer.add_bytes("config/settings.json", b"{}"),
        LONG: writer.add_file(LONG, str(big)),
        "onion/source.key": writer.add_file("onion/source.key", str(small)),
    }
    assert writer.add_file("store/X/1-a-msg.gpg", str(tmp_path / "gone")) is None
    writer.close()
    assert len(sink.getvalue()) % 10240 == 0
    assert sum(advanced) == 2 + big.stat().st_size + 513
    archive = tmp_path / "a.tar"
    archive.write_bytes(sink.getvalue())
    with tarfile.open(archive) as tar:
        assert tar.getnames() == list(members)
        for name, member in members.items():
            handle = tar.extractfile(name)
            assert handle is not None and member is not None
            data = handle.read()
            assert (len(data), hashlib.sha256(data).hexdigest()) == (member.size, member.sha256)
    listing = subprocess.run(["tar", "tvf", str(archive)], capture_output=True, text=True, check=True)
    assert LONG in listing.stdout and listing.stderr == ""


def test_a_name_too_long_for_ustar_is_a_clear_error() -> None:
    with pytest.raises(BackupError, match="too long"):
        TarWriter(io.BytesIO(), lambda _n: None).add_bytes("x" * 101, b"")
