"""A web worker killed while it holds a source's unprotected key leaves none on disk, and
the next start removes the in-memory gpg home and its agent."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import requests

from securedrop.crypto import gpghomes
from tests.conftest import SubmissionKey
from tests.functional import source_journey
from tests.functional.live_server import LiveServer, prepare_data_dir

#: Generous: the machine may be loaded; nothing here measures speed.
DEADLINE_SECONDS = 90


def pausing_gpg(directory: Path) -> Path:
    """A gpg that, when asked to export a secret key, records its caller's pid and its
    arguments (the home among them), and hangs.

    The real gpg has by then generated the key in the home and started its agent: the
    worker is caught exactly while an unprotected source key exists.
    """
    script = directory / "gpg"
    script.write_text(
        "#!/bin/sh\n"
        'case " $* " in *" --export-secret-key"*)\n'
        f'  {{ echo $PPID; printf "%s\\n" "$@"; }} > "{directory}/paused.tmp"\n'
        f'  mv "{directory}/paused.tmp" "{directory}/paused"\n'
        "  exec sleep 3600 ;;\n"
        "esac\n"
        'exec gpg "$@"\n'
    )
    script.chmod(0o700)
    return script


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.05)


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def agents_of(home: Path) -> list[int]:
    """The gpg-agent processes serving `home` (gpg starts them with --homedir)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"gpg-agent") and str(home).encode() in argv:
            found.append(int(entry.name))
    return found


def secret_key_material(data_dir: Path) -> list[str]:
    """Files under `data_dir` holding an unprotected OpenPGP secret key, in gpg's own
    format or armored."""
    hits = []
    for path in data_dir.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            if b"private-key" in data or b"PRIVATE KEY BLOCK" in data or "private-keys-v1.d" in path.parts:
                hits.append(str(path.relative_to(data_dir)))
    return hits


def test_a_worker_killed_mid_create_leaves_no_secret_key_on_disk(
    tmp_path: Path, submission_key: SubmissionKey
) -> None:
    hook = tmp_path / "hook"
    hook.mkdir()
    data_dir = tmp_path / "data"
    env = prepare_data_dir(data_dir, submission_key.public, gpg_binary=str(pausing_gpg(hook)))
    root = gpghomes.choose_root(data_dir, data_dir / "tmp").path
    errors: list[BaseException] = []

    def create_account(base: str) -> None:
        try:
            source_journey.new_source_over_http(base, timeout=DEADLINE_SECONDS)
        except (requests.RequestException, AssertionError) as exc:
            errors.append(exc)  # expected: the worker dies under the request

    try:
        with LiveServer("source_app", env) as server:
            client = threading.Thread(target=create_account, args=(server.url,))
            client.start()
            wait_for((hook / "paused").exists, "the worker to reach the key export")
            recorded = (hook / "paused").read_text().splitlines()
            worker, home = int(recorded[0]), Path(recorded[recorded.index("--homedir") + 1])
            # The situation the issue describes: an unprotected key and a running agent.
            assert list((home / "private-keys-v1.d").iterdir())
            agents = agents_of(home)
            assert agents and all(running(pid) for pid in agents)

            os.kill(worker, signal.SIGKILL)
            client.join(DEADLINE_SECONDS)
            assert errors, "the request should have failed with its worker"

            assert secret_key_material(data_dir) == []
            # gunicorn starts a new worker; its start-up sweeps what the dead one left.
            wait_for(lambda: not home.exists(), "the start-up sweep to remove the dead worker's gpg home")
            wait_for(lambda: not any(running(pid) for pid in agents), "the dead worker's gpg-agent to stop")
            # The server keeps serving, and sweeps nothing that is in use.
            assert requests.get(server.url + "/", timeout=DEADLINE_SECONDS).status_code == 200
    finally:
        # Should the test fail half-way: stop the agents it caused, leave nothing in /dev/shm.
        gpghomes.sweep(root, max_age=-1)
        if root.parent == gpghomes.MEMORY_DIR:
            shutil.rmtree(root, ignore_errors=True)
