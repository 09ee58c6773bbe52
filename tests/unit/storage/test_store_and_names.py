"""Store paths stay inside the store; writes are atomic; names follow the rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from securedrop.storage import PathError
from securedrop.storage.names import (
    is_valid_stored_name,
    journalist_filename,
    sanitize_upload_name,
)
from securedrop.storage.shredder import empty_shredder
from securedrop.storage.store import Store

FSID = "ABCDEFGHIJKLMNOP234567" * 4


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "store", tmp_path / "shredder")


def test_journalist_filename() -> None:
    assert journalist_filename("welcoming imperialist") == "welcoming_imperialist"
    assert journalist_filename("Odd Name!/..") == "odd_name"


@pytest.mark.parametrize("name", ["1-ab_c-msg.gpg", "12-x-doc.gz.gpg", "3-y-reply.gpg", "4-z-doc.zip.gpg"])
def test_valid_names(name: str) -> None:
    assert is_valid_stored_name(name)


@pytest.mark.parametrize("name", ["../1-a-msg.gpg", "1-a-msg.gpg/..", "a-b-msg.gpg", "1-A-msg.gpg", "1-a-msg.txt", ""])
def test_invalid_names(name: str) -> None:
    assert not is_valid_stored_name(name)


@pytest.mark.parametrize(
    ("fsid", "name"),
    [("../../etc", "1-a-msg.gpg"), (FSID, "../1-a-msg.gpg"), ("..", "1-a-msg.gpg"), (FSID + "/x", "1-a-msg.gpg")],
)
def test_paths_cannot_leave_the_store(store: Store, fsid: str, name: str) -> None:
    with pytest.raises(PathError):
        store.path(fsid, name)


def test_staged_file_lands_atomically_with_common_mtime(store: Store) -> None:
    staged = store.stage(FSID, lambda p: p.write_bytes(b"ciphertext"))
    assert staged.size == 10 and staged.checksum.startswith("sha256:")
    final = store.place(staged, FSID, "1-a-msg.gpg")
    assert final.read_bytes() == b"ciphertext"
    assert final.stat().st_mtime == 0 and final.parent.stat().st_mtime == 0
    assert [p.name for p in final.parent.iterdir()] == ["1-a-msg.gpg"]


def test_failed_stage_leaves_nothing(store: Store) -> None:
    def explode(path: Path) -> None:
        path.write_bytes(b"half")
        raise RuntimeError("gpg died")

    with pytest.raises(RuntimeError):
        store.stage(FSID, explode)
    assert list(store.source_dir(FSID).iterdir()) == []


def test_placing_over_an_existing_file_is_refused(store: Store) -> None:
    store.place(store.stage(FSID, lambda p: p.write_bytes(b"a")), FSID, "1-a-msg.gpg")
    staged = store.stage(FSID, lambda p: p.write_bytes(b"b"))
    with pytest.raises(PathError):
        store.place(staged, FSID, "1-a-msg.gpg")


def test_deleted_files_are_shredded(store: Store) -> None:
    store.place(store.stage(FSID, lambda p: p.write_bytes(b"secret" * 100)), FSID, "1-a-msg.gpg")
    store.move_to_shredder(store.source_dir(FSID))
    assert not store.source_dir(FSID).exists()
    assert empty_shredder(store.shredder, passes=1) == 1
    assert list(store.shredder.iterdir()) == []


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("../../etc/passwd", "passwd"), ("report final.pdf", "report_final.pdf"), ("...", "document"),
     ("C:\\Users\\me\\leak.docx", "leak.docx"), ("\x00\x01bad", "bad"), (".hidden", "hidden")],
)
def test_upload_names_are_sanitized(raw: str, clean: str) -> None:
    assert sanitize_upload_name(raw) == clean
