"""Slow clients cannot take the source interface down, a flood of account creations gets
a "busy" page, and neither interface names its server software. Real gunicorn throughout."""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import SubmissionKey
from tests.functional.live_server import LiveServer, prepare_data_dir
from tests.functional.source_journey import TOR2WEB_CHECK, csrf_over_http

ROOT = Path(__file__).resolve().parents[2]
#: More than the old 2 workers x 4 threads, which 16 such connections took down.
SLOW_UPLOADS = 32
#: A liveness deadline, not a speed claim: gthread workers never answered at all.
ANSWER_WITHIN = 10.0


def _stalled_upload(port: int) -> socket.socket:
    """A POST /submit that announces 10 MB, sends a few bytes, then stays silent."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(
        b"POST /submit HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: multipart/form-data; boundary=xyz\r\nContent-Length: 10000000\r\n\r\n--xyz\r\n"
    )
    return sock


def _answered_or_closed(sock: socket.socket) -> bool:
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)


def _closed_by_server(sock: socket.socket, wait: float) -> bool:
    """Whether the server closes the connection within `wait` s (after any answer)."""
    deadline = time.monotonic() + wait
    while (left := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select([sock], [], [], left)
        if readable and sock.recv(65536) == b"":
            return True
    return False


@pytest.fixture
def stalled(live_source: LiveServer) -> Iterator[list[socket.socket]]:
    sockets = [_stalled_upload(live_source.port) for _ in range(SLOW_UPLOADS)]
    yield sockets
    for sock in sockets:
        sock.close()


def test_stalled_uploads_leave_the_source_interface_answering(
    live_source: LiveServer, stalled: list[socket.socket]
) -> None:
    for path in ("/robots.txt", "/"):
        response = requests.get(live_source.url + path, timeout=ANSWER_WITHIN)
        assert response.status_code == 200, path
    # A source can still create an account meanwhile.
    http = requests.Session()
    token = csrf_over_http(http, live_source.url + "/", timeout=ANSWER_WITHIN)
    page = http.post(live_source.url + "/generate", data={"csrf_token": token, "tor2web_check": TOR2WEB_CHECK},
                     timeout=ANSWER_WITHIN)
    assert page.status_code == 200
    # The slow uploads were not dropped to get there: a real source uploads for hours.
    assert not any(_answered_or_closed(sock) for sock in stalled)


def test_a_silent_connection_is_closed_once_idle(tmp_path: Path, submission_key: SubmissionKey) -> None:
    env = prepare_data_dir(tmp_path / "data", submission_key.public)
    worker = ["--pythonpath", str(ROOT), "--worker-class", "tests.functional.short_idle_worker.ShortIdleWorker"]
    with LiveServer("source_app", env, extra_args=worker) as server:
        sock = _stalled_upload(server.port)
        try:
            assert _closed_by_server(sock, 30), "the server kept a silent connection open"
        finally:
            sock.close()
        assert requests.get(server.url + "/robots.txt", timeout=ANSWER_WITHIN).status_code == 200


def test_a_flood_of_account_creations_gets_a_busy_page(live_source: LiveServer) -> None:
    clients = 48
    sessions = [requests.Session() for _ in range(clients)]
    tokens = [csrf_over_http(http, live_source.url + "/") for http in sessions]
    start = threading.Barrier(clients + 1)
    answers: list[tuple[requests.Session, requests.Response]] = []

    def flood(http: requests.Session, token: str) -> None:
        start.wait()
        answers.append((http, http.post(live_source.url + "/generate", timeout=120,
                                 data={"csrf_token": token, "tor2web_check": TOR2WEB_CHECK})))

    threads = [threading.Thread(target=flood, args=pair) for pair in zip(sessions, tokens, strict=True)]
    for thread in threads:
        thread.start()
    start.wait()
    # Pages that cost nothing are still served during the flood.
    assert requests.get(live_source.url + "/robots.txt", timeout=ANSWER_WITHIN).status_code == 200
    for thread in threads:
        thread.join()
    statuses = sorted(answer.status_code for _http, answer in answers)
    assert set(statuses) == {200, 503}, statuses
    busy = [(http, answer) for http, answer in answers if answer.status_code == 503]
    for _http, answer in busy:
        assert answer.headers["Retry-After"].isdigit()
        assert "The server is busy" in answer.text and "Please wait a moment and try again." in answer.text
    # Turned away, not half-served: a retry gets a codename.
    http = busy[0][0]
    token = csrf_over_http(http, live_source.url + "/")
    retry = http.post(live_source.url + "/generate", data={"csrf_token": token, "tor2web_check": TOR2WEB_CHECK},
                      timeout=60)
    assert retry.status_code == 200 and 'name="tab_id"' in retry.text


@pytest.mark.parametrize("app", ["source_app", "journalist_app"])
def test_no_response_names_the_server_software(app: str, tmp_path: Path, submission_key: SubmissionKey) -> None:
    env = prepare_data_dir(tmp_path / "data", submission_key.public)
    with LiveServer(app, env) as server:
        for path in ("/robots.txt", "/no-such-page", "/static/no-such-file.css"):
            response = requests.get(server.url + path, timeout=30)
            assert "Server" not in response.headers, (path, response.headers["Server"])
            assert "gunicorn" not in str(response.headers).lower(), path
