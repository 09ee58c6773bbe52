"""`securedrop serve` as a child process whose output a test can wait on."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from tests.functional.live_server import free_port


@dataclass
class Serve:
    """A `securedrop serve` child process and what it printed."""

    env: dict[str, str]
    #: e.g. ["--control-port", "9051"] or ["--launch-tor-offline"]
    tor_args: list[str]
    process: subprocess.Popen[str] | None = None
    lines: list[str] = field(default_factory=list)
    ports: tuple[int, int] = field(default_factory=lambda: (free_port(), free_port()))

    def start(self) -> Serve:
        self.lines = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "securedrop.cli", "serve", *self.tor_args,
             "--source-port", str(self.ports[0]), "--journalist-port", str(self.ports[1])],
            env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        return self

    def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip())

    def wait_for(self, pattern: str, after: int = 0, timeout: float = 60) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines[after:]:
                match = re.search(pattern, line)
                if match:
                    return match
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError("serve exited:\n" + "\n".join(self.lines[-20:]))
            time.sleep(0.2)
        raise AssertionError(f"serve never printed {pattern!r}:\n" + "\n".join(self.lines[-20:]))

    def stop(self) -> int:
        """SIGTERM to the whole process group, as systemd sends it; returns the exit status."""
        assert self.process is not None
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        return self.process.wait(timeout=30)


def securedrop(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run one `securedrop` command as an operator would."""
    return subprocess.run([sys.executable, "-m", "securedrop.cli", *args], env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


def cli(env: dict[str, str], *args: str) -> str:
    """Run one `securedrop` command that must succeed; its standard output."""
    result = securedrop(env, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout
