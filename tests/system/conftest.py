"""The system tier: a debootstrapped Debian booted with systemd as PID 1, the project installed in it."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import STRICT
from tests.system.container import Container, new_workdir

REPO = Path(__file__).resolve().parents[2]
#: The Debian releases the installer supports, each booted fresh (Debian 12 and 13).
#: SECUREDROP_SYSTEM_RELEASES="trixie" narrows a run to one.
RELEASES = tuple(os.environ.get("SECUREDROP_SYSTEM_RELEASES", "bookworm trixie").split())
#: Where the built root is cached between runs (CI starts without it).
CACHE = Path(os.environ.get("SECUREDROP_SYSTEM_CACHE", "/var/cache/securedrop-test"))
PROJECT = "/root/securedrop-py"
KEY_FILE = "/root/newsroom-public.asc"


def _missing() -> str | None:
    if os.geteuid() != 0:
        return "the system tier boots a container and needs root"
    for tool in ("debootstrap", "unshare", "nsenter", "gpg"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (scripts/system-deps.sh debootstrap)"
    return None


def require_system_tier() -> None:
    """Skip without root or debootstrap; under `make test` (strict) that is a failure."""
    reason = _missing()
    if reason:
        if STRICT:
            pytest.fail(reason)
        pytest.skip(reason)


@dataclass
class Installation:
    """The booted machine, the newsroom's keys on the host, and what the installer printed."""

    container: Container
    gnupghome: Path
    source_port: int
    journalist_port: int
    output: str = ""
    seconds: float = 0.0
    notes: dict[str, str] = field(default_factory=dict)

    def install_command(self, extra: str = "") -> list[str]:
        """The README's command, with this run's loopback ports (other tests may hold 8080)."""
        readme = (REPO / "README.md").read_text()
        line = next(raw.strip() for raw in readme.splitlines() if raw.strip().startswith("./install_files/install.sh"))
        line = line.replace("newsroom-public.asc", KEY_FILE)
        line += f" --source-port {self.source_port} --journalist-port {self.journalist_port} {extra}"
        return ["bash", "-c", f"cd {PROJECT} && {line}"]

    def install(self, extra: str = "") -> subprocess.CompletedProcess[str]:
        started = time.monotonic()
        result = self.container.run(self.install_command(extra), check=False, timeout=1800)
        self.seconds = time.monotonic() - started
        return result

    def sh(self, script: str, check: bool = True) -> str:
        return self.container.run(["sh", "-c", script], check=check).stdout


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _newsroom_key(home: Path) -> str:
    """A fresh newsroom keypair on the host; the container only ever gets the public half."""
    subprocess.run(
        ["gpg", "--homedir", str(home), "--batch", "--passphrase", "", "--pinentry-mode", "loopback",
         "--quick-gen-key", "Newsroom <newsroom@example.org>", "future-default", "default", "never"],
        check=True, capture_output=True,
    )
    return subprocess.run(["gpg", "--homedir", str(home), "--armor", "--export"],
                          check=True, capture_output=True, text=True).stdout


def _copy_project(target: Path) -> None:
    """What a clean clone holds: tracked and new files, nothing git ignores (.venv, caches)."""
    listed = subprocess.run(["git", "-C", str(REPO), "ls-files", "-co", "--exclude-standard", "-z"],
                            check=True, capture_output=True, text=True).stdout
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


@pytest.fixture(scope="module", params=RELEASES)
def machine(request: pytest.FixtureRequest) -> Iterator[Installation]:
    """A freshly booted Debian with the project copied in; powered off and removed afterwards."""
    require_system_tier()
    release = str(request.param)
    tarball = Path(subprocess.run([str(REPO / "tests/system/rootfs.sh"), release, str(CACHE)],
                                  check=True, capture_output=True, text=True).stdout.strip())
    workdir = new_workdir()
    container = Container(tarball, workdir)
    gnupghome = Path(tempfile.mkdtemp(prefix="securedrop-system-gpg-"))
    try:
        container.extract()
        root = container.root
        (root / KEY_FILE.lstrip("/")).write_text(_newsroom_key(gnupghome))
        _copy_project(root / PROJECT.lstrip("/"))
        # The machine's own network settings, as an operator's would be: name resolution
        # and, behind a TLS-inspecting proxy, its CA bundle for pip.
        shutil.copy("/etc/resolv.conf", root / "etc/resolv.conf")
        host_ca = Path(os.environ.get("PIP_CERT") or "/etc/ssl/certs/ca-certificates.crt")
        if host_ca.exists():
            shutil.copy(host_ca, root / "usr/local/share/host-ca-bundle.crt")
            (root / "etc/pip.conf").write_text("[global]\ncert = /usr/local/share/host-ca-bundle.crt\n")
        container.start()
        yield Installation(container, gnupghome, _free_port(), _free_port())
    finally:
        try:
            container.stop()
        finally:
            container.remove()
            shutil.rmtree(workdir, ignore_errors=True)
            shutil.rmtree(gnupghome, ignore_errors=True)
