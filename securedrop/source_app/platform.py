"""What /metadata reports about the server's operating system."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def server_os() -> str:
    """The OS release's VERSION_ID (e.g. "12" on Debian 12), or "unknown"."""
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("VERSION_ID="):
                return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return "unknown"
