"""A Debian root booted with systemd as PID 1 in its own namespaces, driven through nsenter."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

# Runs inside `unshare`: everything mounted here lives in the new mount namespace only,
# and `--make-rprivate /` keeps any of it from propagating back into the host's tree.
_BOOT = r"""
set -eu
root=$1
mount --make-rprivate /
mount --bind "$root" "$root"
mount -t proc proc "$root/proc"
mount -t sysfs -o ro sysfs "$root/sys"
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$root/run"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/tmp"
mount -t tmpfs -o mode=0755,nosuid tmpfs "$root/dev"
for node in null zero full random urandom tty; do
  touch "$root/dev/$node"; mount --bind "/dev/$node" "$root/dev/$node"
done
mkdir -p "$root/dev/pts" "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts"
ln -s pts/ptmx "$root/dev/ptmx"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/dev/shm"
mkdir -p "$root/sys/fs/cgroup"
mount -t cgroup2 cgroup2 "$root/sys/fs/cgroup" 2>/dev/null || mount -t tmpfs tmpfs "$root/sys/fs/cgroup"
hostname securedrop-test
cd "$root"
exec chroot . /usr/bin/env -i container=securedrop-test TERM=dumb /lib/systemd/systemd --system --log-target=console
"""

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class ContainerError(Exception):
    """Raised when the container does not boot or a command inside it fails."""


class Container:
    """One booted root: `start()`, `run()` commands inside, `stop()` (poweroff) and remove."""

    def __init__(self, tarball: Path, workdir: Path) -> None:
        self.tarball = tarball
        self.root = workdir / "root"
        self.console = workdir / "console.log"
        self._unshare: subprocess.Popen[bytes] | None = None
        self.pid: int | None = None  # host PID of the container's systemd

    def extract(self) -> None:
        self.root.mkdir()
        # GNU tar, as rootfs.sh made it: owners, modes and device nodes kept exactly, whatever
        # the Python (Debian 12's 3.11.2 tarfile has no extraction filters).
        subprocess.run(["tar", "-C", str(self.root), "--numeric-owner", "-xpf", str(self.tarball)], check=True)

    def start(self, timeout: float = 120.0) -> None:
        console = self.console.open("wb")
        self._unshare = subprocess.Popen(
            ["unshare", "--pid", "--fork", "--mount", "--uts", "--ipc", "--cgroup", "--propagation", "private",
             "--", "sh", "-c", _BOOT, "boot", str(self.root)],
            stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while self.pid is None and time.monotonic() < deadline:
            children = Path(f"/proc/{self._unshare.pid}/task/{self._unshare.pid}/children")
            found = children.read_text().split() if children.exists() else []
            if found and Path(f"/proc/{found[0]}/exe").exists():
                if os.readlink(f"/proc/{found[0]}/exe").endswith("systemd"):
                    self.pid = int(found[0])
            if self._unshare.poll() is not None:
                raise ContainerError(f"the container exited at boot; see {self.console}")
            time.sleep(0.2)
        if self.pid is None:
            raise ContainerError("systemd did not start in the container")
        while time.monotonic() < deadline:
            state = self.run(["systemctl", "is-system-running"], check=False).stdout.strip()
            if state in ("running", "degraded"):
                return
            time.sleep(1)
        raise ContainerError(f"the container did not finish booting; see {self.console}")

    def run(
        self, argv: list[str], *, check: bool = True, timeout: float = 600.0, input_text: str | None = None,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run argv inside the container as root, in its root directory and namespaces."""
        assert self.pid is not None
        full_env = {"PATH": PATH, "LANG": "C.UTF-8", "HOME": "/root", **(env or {})}
        command = ["nsenter", "-t", str(self.pid), "-m", "-u", "-i", "-p", "-C", "-r", "-w",
                   "env", "-i", *(f"{k}={v}" for k, v in full_env.items()), *argv]
        result = subprocess.run(command, input=input_text, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise ContainerError(f"{argv} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result

    def copy_in(self, source: Path, target: str) -> None:
        """Copy a host directory or file into the container's root at `target`."""
        destination = self.root / target.lstrip("/")
        if source.is_dir():
            shutil.copytree(source, destination, symlinks=True, dirs_exist_ok=True)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)

    def stop(self, timeout: float = 60.0) -> bool:
        """Power off; kill the namespace's PID 1 only if that does not end it in time.

        Returns whether the poweroff alone ended it (True also when already stopped).
        """
        if self._unshare is None:
            return True
        clean = True
        if self.pid is not None and self._unshare.poll() is None:
            self.run(["systemctl", "poweroff", "--no-block"], check=False, timeout=30)
        try:
            self._unshare.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            clean = False
            # Killing PID 1 of the namespace kills every process in it, and only those.
            if self.pid is not None:
                os.kill(self.pid, 9)
            self._unshare.wait(timeout=30)
        self._unshare = None
        return clean

    def remove(self) -> None:
        if self.root.exists():
            # --one-file-system semantics: nothing is mounted here in our namespace anyway.
            subprocess.run(["rm", "-rf", "--one-file-system", str(self.root)], check=False)


def new_workdir() -> Path:
    base = Path(os.environ.get("SECUREDROP_SYSTEM_WORKDIR", "/var/tmp"))
    return Path(tempfile.mkdtemp(prefix="securedrop-system-", dir=base))
