"""Short-lived gpg homes: kept in memory when possible, and swept when a crash left them."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from securedrop.crypto import CryptoError

log = logging.getLogger(__name__)

#: A tmpfs on every Debian/Ubuntu system, and writable under systemd's ProtectSystem=strict.
MEMORY_DIR = Path("/dev/shm")  # noqa: S108 (the private 0700 directory made in it is checked, never a shared name)
_MEMORY_FILESYSTEMS = {"tmpfs", "ramfs"}
#: A home lives for one request; none outlives the longest a request may take (the web
#: servers' six-hour worker timeout), so an older one is stale even if its pid was reused.
MAX_AGE_SECONDS = 6 * 3600
AGENT_TIMEOUT_SECONDS = 2.0
#: Each home is named "<pid of its process>-<random>", so a sweep can tell whose it is.
_HOME_NAME = re.compile(r"^(\d+)-[A-Za-z0-9_]+$")


@dataclass(frozen=True)
class HomeRoot:
    """The directory that holds this data dir's temporary gpg homes."""

    path: Path
    in_memory: bool


def _filesystem_type(path: Path) -> str | None:
    """The type of the filesystem mounted at exactly `path`, from /proc/self/mounts."""
    try:
        mounts = Path("/proc/self/mounts").read_text()
    except OSError:
        return None
    found = None
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[1] == str(path):
            found = fields[2]  # the last mount on a path is the one in effect
    return found


def _private_dir(path: Path) -> str | None:
    """Create `path` (0700) or accept an existing one; the reason it is unfit, if it is."""
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        return f"cannot create {path}: {exc.strerror}"
    info = path.lstat()
    # /dev/shm is writable by every local user: a directory someone else made in
    # advance (or a symlink to one) would let them read the keys.
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
        return f"{path} exists but is not a private directory of this user (remove it)"
    return None


def root_name(data_dir: Path) -> str:
    """The in-memory directory's name for `data_dir`: its user and a digest of its path."""
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
    return f"securedrop-gpg-{os.geteuid()}-{digest}"


def choose_root(data_dir: Path, tmp_dir: Path, memory_dir: Path = MEMORY_DIR) -> HomeRoot:
    """An in-memory directory for this data dir's gpg homes, or `tmp_dir/gpg` on disk.

    Named by `root_name`, so servers of other data dirs (or other users) never sweep
    each other's homes.
    """
    fs_type = _filesystem_type(memory_dir)
    if fs_type in _MEMORY_FILESYSTEMS:
        candidate = memory_dir / root_name(data_dir)
        problem = _private_dir(candidate)
        if problem is None:
            return HomeRoot(candidate, in_memory=True)
    else:
        problem = f"{memory_dir} is not an in-memory filesystem ({fs_type or 'not mounted'})"
    on_disk = tmp_dir / "gpg"
    on_disk.mkdir(mode=0o700, parents=True, exist_ok=True)
    log.warning(
        "temporary gpg homes go on disk in %s because %s: a crash during a source's "
        "login can leave its unprotected key there until the next start",
        on_disk, problem,
    )
    return HomeRoot(on_disk, in_memory=False)


class HomeError(CryptoError):
    """Raised when the directory of the gpg homes cannot be made, or is not ours and private."""


def new_home(root: Path) -> Path:
    """A fresh 0700 home under `root`, named for this process.

    The root is checked each time (two system calls): if something removed it, it is
    made again, but one another user put back in its place is never used.

    Raises:
        HomeError: `root` cannot be made, or is not a private directory of this user.
    """
    problem = _private_dir(root)
    if problem is not None:
        raise HomeError(problem)
    return Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=root))


def destroy_home(home: Path) -> None:
    """Stop the home's gpg-agent, zero every file (an unprotected source key), remove it."""
    _stop_agent(home)
    for directory, _dirs, files in os.walk(home):
        for name in files:
            path = Path(directory) / name
            try:
                size = path.lstat().st_size
                with open(path, "r+b") as handle:
                    handle.write(b"\0" * size)
                    handle.flush()
                    os.fsync(handle.fileno())
            except OSError:
                pass  # sockets and vanished files: nothing to overwrite
    shutil.rmtree(home, ignore_errors=True)


def _stop_agent(home: Path) -> None:
    """Ask the home's gpg-agent to exit, as `gpgconf --kill gpg-agent` does.

    Where the agent's socket is in the home (no /run/user/<uid>/gnupg, as for a service
    user), this says KILLAGENT on it directly: under the source app's gevent worker each
    process spawn costs ~8 ms, and this runs on every account creation and login. A home
    whose agent was never started has no socket and needs nothing.
    """
    agent_socket = home / "S.gpg-agent"
    if agent_socket.is_socket():
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
                connection.settimeout(AGENT_TIMEOUT_SECONDS)
                connection.connect(str(agent_socket))
                if connection.recv(1024).startswith(b"OK"):
                    connection.sendall(b"KILLAGENT\n")
                    if connection.recv(1024).startswith(b"OK"):
                        return
        except OSError:
            pass  # an agent that does not answer: gpgconf below, then the sweep
    elif not _agent_sockets_elsewhere():
        return
    subprocess.run(
        ["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )


def _agent_sockets_elsewhere() -> bool:
    """Whether gpg puts agent sockets under /run/user/<uid>/gnupg instead of the home
    (it does wherever /run/user/<uid> exists, making the gnupg directory itself)."""
    return Path(f"/run/user/{os.getuid()}").is_dir()


def _process_state(pid: int) -> tuple[str, float] | None:
    """(state letter, start time) of process `pid` from /proc; None if unreadable."""
    try:
        boot = next(
            float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime")
        )
        # The command may hold spaces or parentheses: fields count from the last ")".
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return fields[0], boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def _owner_gone(pid: int, created: float) -> bool:
    """Whether the process that made a home (at `created`) no longer runs."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # alive, as another user
    found = _process_state(pid)
    if found is None:
        return False  # alive, as far as can be told
    state, started = found
    # A zombie is dead; a process that started after the home was made reuses the pid
    # (btime has a one-second resolution).
    return state in ("Z", "X") or started > created + 1


def sweep(root: Path, max_age: float = MAX_AGE_SECONDS) -> int:
    """Destroy the homes under `root` whose process is gone, or that are older than any
    request; those of live processes are in use and stay. Returns how many went."""
    swept = 0
    now = time.time()
    try:
        entries = list(root.iterdir())
    except FileNotFoundError:
        return 0
    for home in entries:
        match = _HOME_NAME.match(home.name)
        if match is None or home.is_symlink() or not home.is_dir():
            continue  # not one of ours
        try:
            created = home.stat().st_mtime
        except FileNotFoundError:
            continue  # its request finished meanwhile
        if _owner_gone(int(match.group(1)), created) or now - created > max_age:
            destroy_home(home)
            swept += 1
    if swept:
        log.info("removed %d temporary gpg homes left by stopped processes", swept)
    return swept


def prepare(data_dir: Path, tmp_dir: Path, memory_dir: Path = MEMORY_DIR) -> HomeRoot:
    """Choose the root and sweep what a crashed process left there: run at each start."""
    root = choose_root(data_dir, tmp_dir, memory_dir)
    sweep(root.path)
    return root
