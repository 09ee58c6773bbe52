"""Temporary gpg homes: in memory when possible, private, and swept only when their process is gone."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from securedrop.crypto import gpghomes


@pytest.fixture
def memory_root(tmp_path: Path) -> Iterator[gpghomes.HomeRoot]:
    root = gpghomes.choose_root(tmp_path / "data", tmp_path / "tmp")
    yield root
    gpghomes.sweep(root.path, max_age=-1)
    shutil.rmtree(root.path, ignore_errors=True)


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def home_for(root: Path, pid: int) -> Path:
    home = root / f"{pid}-test"
    home.mkdir(mode=0o700)
    return home


def with_agent(home: Path) -> int:
    """Start the home's gpg-agent as gpg would; returns its pid."""
    subprocess.run(["gpg-connect-agent", "--homedir", str(home), "/bye"], check=True, capture_output=True)
    out = subprocess.run(["gpg-connect-agent", "--homedir", str(home), "getinfo pid", "/bye"],
                         check=True, capture_output=True, text=True).stdout
    return int(out.split()[1])


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def test_homes_go_to_a_private_directory_in_memory(memory_root: gpghomes.HomeRoot, tmp_path: Path) -> None:
    assert memory_root.in_memory and memory_root.path.parent == gpghomes.MEMORY_DIR
    assert memory_root.path.stat().st_mode & 0o777 == 0o700
    home = gpghomes.new_home(memory_root.path)
    assert home.name.startswith(f"{os.getpid()}-") and home.stat().st_mode & 0o777 == 0o700
    # Another data dir gets another directory: its sweeps never touch ours.
    other = gpghomes.choose_root(tmp_path / "other-data", tmp_path / "tmp")
    assert other.path != memory_root.path
    other.path.rmdir()


def test_without_an_in_memory_filesystem_homes_go_to_tmp_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        root = gpghomes.choose_root(tmp_path / "data", tmp_path / "tmp", memory_dir=tmp_path)
    assert root == gpghomes.HomeRoot(tmp_path / "tmp" / "gpg", in_memory=False)
    assert "not an in-memory filesystem" in caplog.text


def test_a_directory_someone_else_prepared_in_memory_is_not_used(
    memory_root: gpghomes.HomeRoot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    memory_root.path.chmod(0o755)  # as if another local user had made it in advance
    with caplog.at_level(logging.WARNING):
        again = gpghomes.choose_root(tmp_path / "data", tmp_path / "tmp")
    assert not again.in_memory and "not a private directory" in caplog.text


def test_sweep_removes_homes_of_gone_processes_with_their_agents(memory_root: gpghomes.HomeRoot) -> None:
    root = memory_root.path
    stale = home_for(root, dead_pid())
    (stale / "private-keys-v1.d").mkdir()
    (stale / "private-keys-v1.d" / "key.key").write_bytes(b"(private-key)")
    agent = with_agent(stale)
    live = home_for(root, os.getpid())
    foreign = root / "not-one-of-ours"
    foreign.mkdir()

    assert gpghomes.sweep(root) == 1
    assert not stale.exists()
    deadline = time.monotonic() + 30
    while running(agent) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not running(agent)
    assert live.exists() and foreign.exists()


def test_sweep_removes_a_home_whose_pid_now_names_a_newer_process(memory_root: gpghomes.HomeRoot) -> None:
    with subprocess.Popen(["sleep", "60"]) as newer:
        try:
            home = home_for(memory_root.path, newer.pid)
            made = time.time() - 3600  # the home is older than the process now holding its pid
            os.utime(home, (made, made))
            assert gpghomes.sweep(memory_root.path) == 1 and not home.exists()
        finally:
            newer.kill()


def test_a_removed_root_is_made_again_but_never_one_someone_else_put_back(memory_root: gpghomes.HomeRoot) -> None:
    memory_root.path.rmdir()  # e.g. /dev/shm cleaned while the server runs
    home = gpghomes.new_home(memory_root.path)
    assert home.parent == memory_root.path and memory_root.path.stat().st_mode & 0o777 == 0o700
    gpghomes.destroy_home(home)
    memory_root.path.rmdir()
    memory_root.path.mkdir(mode=0o777)
    memory_root.path.chmod(0o777)  # put back by another local user, open to all
    with pytest.raises(gpghomes.HomeError):
        gpghomes.new_home(memory_root.path)


def test_destroying_a_home_stops_its_agent_and_leaves_nothing(memory_root: gpghomes.HomeRoot) -> None:
    home = gpghomes.new_home(memory_root.path)
    (home / "private-keys-v1.d").mkdir()
    (home / "private-keys-v1.d" / "key.key").write_bytes(b"(private-key)")
    agent = with_agent(home)
    gpghomes.destroy_home(home)
    assert not home.exists()
    deadline = time.monotonic() + 30
    while running(agent) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not running(agent)


def test_destroying_a_home_whose_agent_never_started_spawns_nothing(
    memory_root: gpghomes.HomeRoot, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = gpghomes.new_home(memory_root.path)
    spawned: list[list[str]] = []
    monkeypatch.setattr(gpghomes.subprocess, "run", lambda args, **_kw: spawned.append(args))
    monkeypatch.setattr(gpghomes, "_agent_sockets_elsewhere", lambda: False)
    gpghomes.destroy_home(home)
    assert not home.exists() and spawned == []
