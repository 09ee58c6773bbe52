"""A tor process of our own, for `securedrop serve --launch-tor` (tests keep it offline)."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from securedrop.onion.controller import OnionController
from securedrop.onion.errors import TorLaunchFailed
from securedrop.onion.keys import _ensure_private_dir

T = TypeVar("T")

# --------------------------------------------------------------------------
# a tor of our own


def launch_tor(
    data_dir: str | os.PathLike[str],
    *,
    disable_network: bool,
    tor_binary: str = "tor",
    timeout: float = 60.0,
) -> tuple[OnionController, subprocess.Popen[bytes]]:
    """Start a tor child process with its DataDirectory at <data_dir>/tor and connect to it.

    The tor exits when this process does (__OwningControllerProcess) or when the
    returned controller's connection closes (TAKEOWNERSHIP). It has no SOCKS
    port: it only hosts onion services. Tests pass disable_network=True so it
    never contacts the public Tor network.
    """
    tor_dir = Path(data_dir) / "tor"
    _ensure_private_dir(tor_dir.parent)
    tor_dir.mkdir(mode=0o700, exist_ok=True)
    os.chmod(tor_dir, 0o700)  # tor itself refuses a group-readable DataDirectory
    port_file = tor_dir / "control-port"
    port_file.unlink(missing_ok=True)
    torrc = tor_dir / "torrc"
    torrc.write_text("# securedrop passes tor's options on its command line\n")
    argv = [
        tor_binary,
        "-f",
        str(torrc),
        "--defaults-torrc",
        str(torrc),
        "--DataDirectory",
        str(tor_dir),
        "--SocksPort",
        "0",
        "--ControlPort",
        "auto",  # a free loopback port, which tor writes to port_file
        "--ControlPortWriteToFile",
        str(port_file),
        "--CookieAuthentication",
        "1",
        "--DisableNetwork",
        "1" if disable_network else "0",
        "--__OwningControllerProcess",
        str(os.getpid()),
        "--Log",
        "notice stdout",
    ]
    log_path = tor_dir / "tor.log"
    with open(log_path, "ab") as log_file:
        try:
            process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT)
        except OSError as exc:
            raise TorLaunchFailed(f"cannot run {tor_binary} ({exc.strerror}): install Debian's tor package") from None
    try:
        # One deadline for both: tor announces its control port a moment before it
        # writes the auth cookie.
        deadline = time.monotonic() + timeout
        found = _wait_until(process, lambda: re.search(r"PORT=127\.0\.0\.1:(\d+)", _read_text(port_file)),
                            deadline, "tor opened no control port", log_path)
        _wait_until(process, (tor_dir / "control_auth_cookie").exists, deadline, "tor wrote no control cookie",
                    log_path)
        controller = OnionController.connect(control_port=int(found.group(1)))
    except BaseException:
        stop_tor(process)
        raise
    try:
        controller.take_ownership()
    except BaseException:
        controller.close()
        stop_tor(process)
        raise
    return controller, process


def _wait_until(
    process: subprocess.Popen[bytes], probe: Callable[[], T | None], deadline: float, failure: str, log_path: Path
) -> T:
    """Poll `probe` until it returns something truthy; fail with tor's log if tor exits
    or the deadline passes."""
    while True:
        result = probe()
        if result:
            return result
        if process.poll() is not None:
            raise TorLaunchFailed(f"tor exited with status {process.returncode}:\n" + _tail(log_path))
        if time.monotonic() > deadline:
            raise TorLaunchFailed(f"{failure} in time:\n" + _tail(log_path))
        time.sleep(0.05)


def _read_text(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _tail(path: Path, lines: int = 8) -> str:
    return "\n".join(_read_text(path).splitlines()[-lines:])


def stop_tor(process: subprocess.Popen[bytes]) -> None:
    """Stop a tor that launch_tor started: SIGTERM, then SIGKILL after 10 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
