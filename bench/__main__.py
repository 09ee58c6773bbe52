"""`make bench`: run every benchmark module present and print one table."""

from __future__ import annotations

import importlib
import os
import platform
import resource
import sys
import time

from bench.common import Row, print_table

#: Modules whose `run()` returns rows; the later ones are written by other issues and
#: are skipped while they do not exist yet.
MODULES = (
    "bench.source", "bench.journalist_index", "bench.api", "bench.notifications", "bench.backup",
    "bench.slow_clients",
)


def _load() -> str:
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


def _cpu_seconds() -> tuple[float, float]:
    """(busy CPU seconds of the whole machine, CPU seconds of this process and its
    reaped children: the servers, gpg and onionshare it started and stopped)."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    busy = (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return busy, own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _foreign_share(before: tuple[float, float], after: tuple[float, float], wall: float) -> str:
    """How much of the machine other work used meanwhile: the noise in these figures."""
    foreign = max(0.0, (after[0] - before[0]) - (after[1] - before[1]))
    return f"{100 * foreign / (wall * (os.cpu_count() or 1)):.0f}% of the CPUs busy with other work"


def main() -> int:
    rows: list[Row] = []
    notes: list[str] = []
    failed: list[str] = []
    started = time.monotonic()
    load_before = _load()
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise  # the module exists but one of its imports is missing: a real error
            notes.append(f"{name}: not present, skipped")
            continue
        module_start = time.monotonic()
        cpu_before = _cpu_seconds()
        try:
            rows += module.run()
        except Exception as exc:  # print what was measured, and say what broke
            failed.append(f"{name}: {type(exc).__name__}: {exc}")
            continue
        wall = time.monotonic() - module_start
        notes.append(f"{name}: {wall:.0f} s, {_foreign_share(cpu_before, _cpu_seconds(), wall)}")
    print_table(rows)
    print()
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"load average (1/5/15 min): before {load_before}, after {_load()}")
    print("; ".join(notes) + f"; total {time.monotonic() - started:.0f} s")
    missed = [row.name.strip() for row in rows if row.met is False]
    if missed:
        print("targets missed: " + "; ".join(missed))
    for failure in failed:
        print(f"FAILED {failure}", file=sys.stderr)
    # A missed target is a finding to report, not a broken benchmark.
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
