"""A real deployment for tests and benchmarks: a data dir and gunicorn processes on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from securedrop import config, db
from securedrop.crypto.openpgp import OpenPGP
from securedrop.serving import gunicorn_command


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare_data_dir(data_dir: Path, submission_public_key: str, database_url: str | None = None,
                     **settings: object) -> dict[str, str]:
    """Write a config with fresh secrets, migrate, import the submission key.

    Returns the environment a server process needs.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    values: dict[str, object] = {**config.new_secrets(), "dev": True, **settings}
    if database_url:
        values["database_url"] = database_url
    config.write_config_file(data_dir / "config.toml", values)
    env = {**os.environ, "SECUREDROP_DATA_DIR": str(data_dir)}
    loaded = config.load(env)
    db.upgrade(loaded.database_url)
    OpenPGP(loaded.keyring_dir, loaded.tmp_dir).import_submission_key(submission_public_key)
    return env


def process_tree(root: int) -> list[int]:
    """`root` and every descendant, through /proc/<pid>/task/<tid>/children."""
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue  # exited meanwhile
    return found


@dataclass
class LiveServer:
    """One gunicorn master serving `app` ("source_app" or "journalist_app")."""

    app: str
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    #: More gunicorn options; later ones win (e.g. a test's own `--worker-class`).
    extra_args: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> LiveServer:
        self.process = subprocess.Popen(
            gunicorn_command(self.app, "127.0.0.1", self.port, quiet=self.app == "source_app") + self.extra_args,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn for {self.app} exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(self.url + "/robots.txt", timeout=2):  # noqa: S310 (loopback)
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"{self.app} did not answer within {timeout} s")

    def pids(self) -> list[int]:
        """The master and all its descendants: workers and their gpg children."""
        assert self.process is not None
        return process_tree(self.process.pid)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # Only the process group this object started.
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
