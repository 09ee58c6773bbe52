"""A cap on CPU-heavy requests in flight per process: the rest get a "busy, try again" page."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, Response, render_template, request

from securedrop.web.state import app_state

#: What the busy page and its Retry-After header ask a client to wait.
RETRY_AFTER_SECONDS = 30


def install(app: Flask, limit: int) -> None:
    """At most `limit` requests of views marked `@expensive` run at once in this process.

    A flood of account creations or codename logins (two scrypt runs each, a key
    generation) would otherwise queue up CPU work without bound and slow every page;
    beyond the limit a request costs almost nothing and is told to come back.
    """
    # Created after gunicorn's gevent worker has patched `threading`: then this is
    # gevent's semaphore, shared by the green threads of the worker.
    app_state(app).expensive_slots = threading.BoundedSemaphore(limit)


def expensive(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view as CPU-heavy when POSTed (its GET only renders a form).

    The slot is taken only once the view runs, after the CSRF check has read the whole
    form: a client that trickles its body cannot hold a slot.
    """

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        slots = app_state().expensive_slots
        if request.method != "POST" or slots is None:
            return view(*args, **kwargs)
        if not slots.acquire(blocking=False):
            response = Response(render_template("busy.html"), status=503)
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        try:
            return view(*args, **kwargs)
        finally:
            slots.release()

    return wrapper
