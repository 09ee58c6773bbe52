"""Starting gpg cheaply under the source app's gevent worker.

gevent's `subprocess.Popen` forks the Python process and runs Python in the child until
it execs: ~8 ms per start in a worker, against ~0.6 ms for the standard library's C
path, and an account creation starts gpg several times. Under gevent, python-gnupg's
processes are therefore started with `os.posix_spawnp` (no Python in the child) and
made cooperative by hand: the pipes are gevent file objects, so reading and writing
them lets other connections run, and the exit status comes from a libev child
watcher, with libev's SIGCHLD handler installed first and the watcher registered
before the loop can run, so the exit is neither missed nor reaped out from under
`wait()`. Elsewhere (tests, the CLI, the journalist app's
threads) python-gnupg's own `Popen` is used unchanged.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Mapping, Sequence
from typing import Any

from securedrop.crypto.offload import patched_by_gevent

PIPE_BYTES = 1024 * 1024


def cooperative() -> bool:
    """Whether this process's subprocesses are gevent's (the source app's workers)."""
    return patched_by_gevent("subprocess")


def _inherited_descriptors() -> list[int]:
    """Open descriptors above stderr that a spawned program would inherit (gunicorn's
    listening socket is one): each gets a close action, as Popen's close_fds does."""
    found = []
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2:
            try:
                if os.get_inheritable(fd):
                    found.append(fd)
            except OSError:
                pass  # the directory's own descriptor, closed by now
    return found


def _widen(pipe_fd: int) -> None:
    """A 1 MiB pipe for a document streaming into gpg: fewer turns of the loop per MiB."""
    try:
        fcntl.fcntl(pipe_fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (OSError, AttributeError):
        pass  # over /proc/sys/fs/pipe-max-size, or not Linux: the default 64 KiB works


class GreenProcess:
    """What python-gnupg uses of a Popen (pid, stdin, stdout, stderr, wait(),
    returncode), for a program started with posix_spawnp under gevent."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str] | None = None) -> None:
        from gevent import get_hub
        from gevent.event import Event
        from gevent.fileobject import FileObjectPosix

        stdin_read, stdin_write = os.pipe()
        _widen(stdin_write)
        stdout_read, stdout_write = os.pipe()
        stderr_read, stderr_write = os.pipe()
        actions: list[tuple[Any, ...]] = [
            (os.POSIX_SPAWN_DUP2, stdin_read, 0),
            (os.POSIX_SPAWN_DUP2, stdout_write, 1),
            (os.POSIX_SPAWN_DUP2, stderr_write, 2),
        ]
        actions += [(os.POSIX_SPAWN_CLOSE, fd) for fd in _inherited_descriptors()]
        loop = get_hub().loop
        # libev learns of a child's exit only through its own SIGCHLD handler, which gevent
        # installs on demand (as gevent.subprocess does here) and a gunicorn worker's signal
        # reset can leave out: without it the watcher never fires and wait() never returns.
        loop.install_sigchld()
        try:
            self.pid = os.posix_spawnp(argv[0], list(argv), dict(env if env is not None else os.environ),
                                       file_actions=actions)
            # Before anything can yield to the loop: libev reaps every child on SIGCHLD
            # and keeps the status only for a watcher of that pid.
            self._exited = Event()
            self._status = 0
            self._watcher = loop.child(self.pid, False)
            self._watcher.start(self._on_exit)
        except BaseException:
            for fd in (stdin_write, stdout_read, stderr_read):
                os.close(fd)
            raise
        finally:
            for fd in (stdin_read, stdout_write, stderr_write):
                os.close(fd)
        self.returncode: int | None = None
        self.stdin = FileObjectPosix(stdin_write, "wb")  # buffered: a write() writes all it is given
        self.stdout = FileObjectPosix(stdout_read, "rb")
        self.stderr = FileObjectPosix(stderr_read, "rb")

    def _on_exit(self) -> None:
        self._status = self._watcher.rstatus
        self._watcher.stop()
        self._exited.set()

    def wait(self) -> int:
        """The exit code, once the program has ended (other connections run meanwhile)."""
        if self.returncode is None:
            self._exited.wait()
            self.returncode = os.waitstatus_to_exitcode(self._status)
        return self.returncode
