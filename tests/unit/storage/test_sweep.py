"""Stale tmp/ entries are shredded by the sweep and the worker round; live ones are left alone."""

from __future__ import annotations

import os
import time
from pathlib import Path

from securedrop import worker
from securedrop.services import Services
from securedrop.storage.sweep import stale_tmp_entries, sweep_tmp


def _age(path: Path, seconds: float) -> None:
    when = time.time() - seconds
    os.utime(path, (when, when))


def _plant(tmp: Path) -> tuple[Path, Path, Path]:
    tmp.mkdir(parents=True, exist_ok=True)
    old_home = tmp / "gpg-old"
    old_home.mkdir()
    (old_home / "secring").write_bytes(b"secret key material")
    _age(old_home / "secring", 3 * 86400)
    _age(old_home, 3 * 86400)
    # A directory that is old itself but holds a file touched recently is still in use.
    busy = tmp / "gpg-busy"
    busy.mkdir()
    (busy / "pubring.kbx").write_bytes(b"x")
    _age(busy, 3 * 86400)
    live = tmp / "spool-live"
    live.write_bytes(b"ciphertext")
    return old_home, busy, live


def test_only_entries_untouched_for_a_day_are_stale(tmp_path: Path) -> None:
    old_home, busy, live = _plant(tmp_path / "tmp")
    assert stale_tmp_entries(tmp_path / "tmp") == [old_home]
    assert sweep_tmp(tmp_path / "tmp", tmp_path / "shredder", passes=1) == 1
    assert not old_home.exists() and busy.exists() and live.exists()
    assert list((tmp_path / "shredder").iterdir()) == []  # overwritten and unlinked, not parked


def test_max_age_zero_sweeps_everything(tmp_path: Path) -> None:
    _plant(tmp_path / "tmp")
    assert sweep_tmp(tmp_path / "tmp", tmp_path / "shredder", max_age=0, passes=1) == 3
    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_missing_tmp_dir_is_not_an_error(tmp_path: Path) -> None:
    assert sweep_tmp(tmp_path / "absent", tmp_path / "shredder", passes=1) == 0


def test_the_worker_round_sweeps_stale_tmp(services: Services) -> None:
    old_home, busy, live = _plant(services.settings.tmp_dir)
    worker.run_once(services, passes=1)
    assert not old_home.exists() and busy.exists() and live.exists()
