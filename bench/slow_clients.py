"""The source interface under slow clients and an account-creation flood (issue 13, item 1).

Against a real gunicorn serving the source app, for LOAD_SECONDS:

- SLOW_CONNECTIONS connections each start a POST /submit announcing 10 MB and then
  send one byte of body every TRICKLE_INTERVAL seconds (an attacker, or very slow
  sources: the server must hold them all and keep answering others);
- CREATORS sources create accounts in a loop (GET /, POST /generate, POST /create),
  retrying a "busy" answer after a second;
- one visitor loads `GET /` every PROBE_INTERVAL seconds;
- one logged-in source uploads a document trickled at UPLOAD_RATE bytes per second.

The client runs on the same machine and shares its CPUs with the server.
"""

from __future__ import annotations

import os
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bench.common import Row
from bench.source import stop_gpg_agents
from securedrop import config
from securedrop.crypto.openpgp import OpenPGP
from tests.functional.live_server import LiveServer, prepare_data_dir
from tests.functional.source_journey import TOR2WEB_CHECK, StreamingMultipart, csrf_over_http

SLOW_CONNECTIONS = 200
TRICKLE_INTERVAL = 10.0
CREATORS = 50
PROBE_INTERVAL = 0.2
UPLOAD_BYTES = 1_000_000
UPLOAD_RATE = 20_000
UPLOAD_CHUNK = 2_000
#: Long enough for the upload (50 s) and for several trickle rounds.
LOAD_SECONDS = 55.0
BUSY_PAUSE = 1.0


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 2 else float("nan")


@dataclass
class Load:
    """What the load threads measured; lists are appended to from several threads."""

    stop: threading.Event = field(default_factory=threading.Event)
    index_ms: list[float] = field(default_factory=list)
    index_errors: int = 0
    creation_ms: list[float] = field(default_factory=list)
    #: The accepted POST /generate and POST /create on their own.
    step_ms: dict[str, list[float]] = field(default_factory=lambda: {"/generate": [], "/create": []})
    busy: int = 0
    creation_errors: list[str] = field(default_factory=list)
    slow_open: int = 0
    upload_seconds: float | None = None
    upload_problem: str = ""


def trickle(port: int, load: Load) -> None:
    """SLOW_CONNECTIONS stalled uploads, one byte each per TRICKLE_INTERVAL; counts those still open."""
    sockets = []
    for _ in range(SLOW_CONNECTIONS):
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.sendall(b"POST /submit HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; "
                     b"boundary=slow\r\nContent-Length: 10000000\r\n\r\n--slow\r\n")
        sockets.append(sock)
    alive = list(sockets)
    try:
        while not load.stop.wait(TRICKLE_INTERVAL):
            still = []
            for sock in alive:
                try:
                    sock.sendall(b"-")
                    still.append(sock)
                except OSError:
                    continue  # closed by the server
            alive = still
        load.slow_open = len(alive)
    finally:
        for sock in sockets:
            sock.close()


def create_account(http: requests.Session, base: str, load: Load) -> float | None:
    """GET /, POST /generate, POST /create, each POST retried after BUSY_PAUSE while the
    answer is "busy". Returns the milliseconds the two accepted POSTs took, or None if
    the load stopped first."""
    token = csrf_over_http(http, base + "/", timeout=60)
    form = {"csrf_token": token, "tor2web_check": TOR2WEB_CHECK}
    accepted_ms = 0.0
    for path in ("/generate", "/create"):
        while True:
            if load.stop.is_set():
                return None
            start = time.perf_counter()
            answer = http.post(base + path, data=form, timeout=60, allow_redirects=False)
            if answer.status_code != 503:
                break
            load.busy += 1
            load.stop.wait(BUSY_PAUSE)
        step_ms = (time.perf_counter() - start) * 1000
        load.step_ms[path].append(step_ms)
        accepted_ms += step_ms
        if path == "/generate":
            if answer.status_code != 200:
                raise RuntimeError(f"/generate answered {answer.status_code}")
            form = {"csrf_token": token, "tab_id": answer.text.split('name="tab_id" value="', 1)[1].split('"', 1)[0]}
        elif answer.status_code != 302:
            raise RuntimeError(f"/create answered {answer.status_code}")
    return accepted_ms


def create_accounts(base: str, load: Load) -> None:
    while not load.stop.is_set():
        with requests.Session() as http:
            try:
                elapsed = create_account(http, base, load)
            except (requests.RequestException, RuntimeError, IndexError) as exc:
                load.creation_errors.append(str(exc)[:80])
                continue
        if elapsed is not None:
            load.creation_ms.append(elapsed)


def probe_index(base: str, load: Load) -> None:
    http = requests.Session()
    while not load.stop.wait(PROBE_INTERVAL):
        start = time.perf_counter()
        try:
            ok = http.get(base + "/", timeout=30).status_code == 200
        except requests.RequestException:
            ok = False
        if ok:
            load.index_ms.append((time.perf_counter() - start) * 1000)
        else:
            load.index_errors += 1


def trickled_upload(base: str, load: Load) -> None:
    def document() -> Iterator[bytes]:
        for _ in range(UPLOAD_BYTES // UPLOAD_CHUNK):
            yield os.urandom(UPLOAD_CHUNK)
            time.sleep(UPLOAD_CHUNK / UPLOAD_RATE)

    try:
        http = requests.Session()
        # Retried while busy, but not cut short: the upload is what this thread measures.
        if create_account(http, base, Load()) is None:
            return
        body = StreamingMultipart({"csrf_token": csrf_over_http(http, base + "/lookup", timeout=120), "msg": ""},
                                  "fh", "slow.bin", document(), UPLOAD_BYTES)
        start = time.perf_counter()
        response = http.post(base + "/submit", data=body, headers={"Content-Type": body.content_type},
                             timeout=600, allow_redirects=False)
        if response.status_code == 302:
            load.upload_seconds = time.perf_counter() - start
        else:
            load.upload_problem = f"/submit answered {response.status_code}"
    except (requests.RequestException, RuntimeError, IndexError) as exc:
        load.upload_problem = str(exc)[:80]


def measure(server: LiveServer) -> list[Row]:
    load = Load()
    slow = threading.Thread(target=trickle, args=(server.port, load))
    slow.start()
    upload = threading.Thread(target=trickled_upload, args=(server.url, load))
    upload.start()
    workers = [threading.Thread(target=create_accounts, args=(server.url, load)) for _ in range(CREATORS)]
    workers.append(threading.Thread(target=probe_index, args=(server.url, load)))
    for worker in workers:
        worker.start()
    load.stop.wait(LOAD_SECONDS)
    upload.join(timeout=300)
    load.stop.set()
    for worker in [*workers, slow]:
        worker.join()

    load_note = f"{SLOW_CONNECTIONS} slow uploads, {CREATORS} sources creating accounts"
    index_p95, creation_p95 = p95(load.index_ms), p95(load.creation_ms)
    errors = f", {len(load.creation_errors)} errors" if load.creation_errors else ""
    return [
        Row("GET / p95 under slow clients + creation flood", index_p95, "ms", "< 1000 ms",
            index_p95 < 1000 and load.index_errors == 0,
            f"{load_note}; {len(load.index_ms)} loads, p50 {statistics.median(load.index_ms or [0]):.0f} ms, "
            f"{load.index_errors} failed"),
        Row("  account creation (generate + create) p95", creation_p95, "ms", "< 2000 ms",
            creation_p95 < 2000 and not load.creation_errors,
            f"{len(load.creation_ms)} created, p50 {statistics.median(load.creation_ms or [0]):.0f} ms; "
            + "; ".join(f"{path} p50/p95 {statistics.median(ms or [0]):.0f}/{p95(ms):.0f} ms"
                        for path, ms in load.step_ms.items())
            + f"; {load.busy} busy answers (503) retried after {BUSY_PAUSE:.0f} s" + errors),
        Row(f"  {UPLOAD_BYTES // 1000} KB upload trickled at {UPLOAD_RATE // 1000} KB/s",
            load.upload_seconds if load.upload_seconds is not None else float("nan"), "s", "completes",
            load.upload_seconds is not None, load.upload_problem or "stored"),
        Row("  slow connections still open at the end", load.slow_open, "", f"= {SLOW_CONNECTIONS}",
            load.slow_open == SLOW_CONNECTIONS, f"1 byte every {TRICKLE_INTERVAL:.0f} s each"),
    ]


def run() -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="securedrop-bench-slow-") as name:
        tmp = Path(name)
        key_dir = tmp / "key" / "keys"
        env: dict[str, str] = {}
        try:
            key_pgp = OpenPGP(key_dir, tmp / "key" / "tmp")
            key_pgp.generate_dev_submission_key()
            env = prepare_data_dir(tmp / "data", key_pgp.export_submission_key())
            with LiveServer("source_app", env) as server:
                return measure(server)
        finally:
            homedirs = [key_dir]
            if env:
                homedirs.append(config.load(env).keyring_dir)
            stop_gpg_agents(homedirs)


if __name__ == "__main__":
    from bench.common import print_table

    print_table(run())
