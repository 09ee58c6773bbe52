"""Running a CPU-bound call off gevent's event loop, when the process has one."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def patched_by_gevent(module: str) -> bool:
    """Whether gevent has replaced this standard module here (the source app's workers)."""
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and bool(monkey.is_module_patched(module))


def cpu_bound(call: Callable[[], T]) -> T:
    """`call()`, in gevent's thread pool when this process's threads are green.

    The source app's gunicorn workers run every connection as a green thread on one
    event loop: a 40 ms scrypt run there would stop every other connection for 40 ms.
    In a real thread, a C call that releases the GIL (hashlib.scrypt does) runs on the
    other core while the loop goes on serving. Elsewhere (tests, CLI, gthread workers)
    the call runs directly.
    """
    if patched_by_gevent("threading"):
        from gevent import get_hub

        result: T = get_hub().threadpool.apply(call)
        return result
    return call()
