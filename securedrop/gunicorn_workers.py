"""gunicorn worker classes for the two apps: no `Server` header, slow clients held cheaply."""

from __future__ import annotations

import socket
from typing import Any

import gevent
from gunicorn.http import wsgi
from gunicorn.workers.base_async import AsyncWorker
from gunicorn.workers.ggevent import GeventWorker
from gunicorn.workers.gthread import ThreadWorker

#: A connection that sends (or accepts) nothing for this long is dead: over Tor a live
#: upload stalls for seconds, maybe a minute or two when a circuit is rebuilt, never ten.
IDLE_SECONDS = 600.0


class _AnonymousResponse(wsgi.Response):  # type: ignore[misc]  # (gunicorn is untyped)
    """A response without gunicorn's `Server: gunicorn` line: an attacker learns nothing
    about the software from the headers. The apps already drop any `Server` they set."""

    def default_headers(self) -> list[str]:
        return [line for line in super().default_headers() if not line.lower().startswith("server:")]


def _send_no_server_header() -> None:
    # gunicorn builds every HTTP/1 response from this module attribute and has no setting
    # for its Server header; replacing it in the worker process is the one narrow hook.
    wsgi.Response = _AnonymousResponse


class QuietThreadWorker(ThreadWorker):  # type: ignore[misc]  # (gunicorn is untyped)
    """gunicorn's `gthread` worker (the journalist app: reached only with a client key,
    logins run argon2 and may lock rows, which threads handle without an event loop)."""

    def init_process(self) -> None:
        _send_no_server_header()
        super().init_process()


class SlowClientWorker(GeventWorker):  # type: ignore[misc]  # (gunicorn is untyped)
    """gunicorn's `gevent` worker for the source app, with deadlines per connection.

    Each connection is a green thread of a few kilobytes, so thousands of slow
    uploads cost little and never starve other requests of a thread (with `gthread`,
    16 of them took the interface down). gunicorn's own HTTP parser still hands the
    body to the app as a stream read off the socket on demand: nothing is spooled.
    """

    idle_seconds: float = IDLE_SECONDS

    def init_process(self) -> None:
        _send_no_server_header()
        super().init_process()

    def handle(self, listener: socket.socket, client: socket.socket, addr: Any) -> None:
        # Every read and write gives up after `idle_seconds` of silence (gevent's sockets
        # honour the timeout cooperatively), and the whole connection after gunicorn's
        # `--timeout` (hours: the longest upload we wait for; with gevent that setting
        # otherwise only watches the worker's event loop): dead or endless connections
        # are reclaimed.
        client.settimeout(self.idle_seconds)
        with gevent.Timeout(self.cfg.timeout, False):
            # AsyncWorker's, not GeventWorker's: that one would make the socket blocking
            # again, without any timeout.
            AsyncWorker.handle(self, listener, client, addr)
