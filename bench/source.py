"""Source-interface benchmarks: account creation, upload throughput, server memory.

Everything runs against real gunicorn processes (tests.functional.live_server) in one
temporary directory, and every reference figure is measured on the same machine, on the
same file, in the same run:

- account creation: POST /generate + POST /create, p50 over SAMPLES accounts;
- a 100 MiB incompressible document through POST /submit, beside `gzip -1 | gpg
  --compress-algo none` and OnionShare's receive mode on the same file; the three
  take turns, and each figure is the best of THROUGHPUT_RUNS runs (the least disturbed
  by other work on the machine);
- peak RSS growth of a fresh server's process tree (gunicorn master, workers, gpg
  children) during a 480 MiB upload, sampled every ~20 ms.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import requests

from bench.common import Row, p50_ms
from securedrop import config
from securedrop.crypto.openpgp import OpenPGP
from tests.conftest import stop_gpg_daemons
from tests.functional.live_server import LiveServer, prepare_data_dir, process_tree
from tests.functional.source_journey import (
    StreamingMultipart,
    csrf_over_http,
    generate_and_create_over_http,
    new_source_over_http,
)

MiB = 1024 * 1024
MB = 1_000_000
SAMPLES = 30
THROUGHPUT_BYTES = 100 * MiB
THROUGHPUT_RUNS = 3
RSS_UPLOAD_BYTES = 480 * MiB
RSS_INTERVAL = 0.02
CHUNK = 1024 * 1024

# -- an HTTP source ---------------------------------------------------------------------
def file_multipart(fields: dict[str, str], file_field: str, path: Path) -> StreamingMultipart:
    """A multipart/form-data body streamed from the file at `path`, as a browser sends a file input."""

    def chunks() -> Iterator[bytes]:
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                yield chunk

    return StreamingMultipart(fields, file_field, path.name, chunks(), path.stat().st_size)


def submit_file(http: requests.Session, base: str, path: Path) -> float:
    """Upload `path` through POST /submit; returns the seconds until the answer."""
    body = file_multipart({"csrf_token": csrf_over_http(http, base + "/lookup"), "msg": ""}, "fh", path)
    start = time.perf_counter()
    response = http.post(base + "/submit", data=body, headers={"Content-Type": body.content_type},
                         timeout=3600, allow_redirects=False)
    elapsed = time.perf_counter() - start
    if response.status_code != 302:
        raise RuntimeError(f"/submit answered {response.status_code}")
    return elapsed


# -- measurements -----------------------------------------------------------------------
def account_creation(server: LiveServer) -> Row:
    # Each sample is a fresh browser session whose index page (and CSRF token) was
    # fetched beforehand: only generate + create are timed.
    prepared = []
    for _ in range(SAMPLES + 1):
        http = requests.Session()
        prepared.append((http, csrf_over_http(http, server.url + "/")))
    warm_http, warm_token = prepared.pop()
    generate_and_create_over_http(warm_http, server.url, warm_token)  # first-request costs, untimed

    def one() -> None:
        http, token = prepared.pop()
        generate_and_create_over_http(http, server.url, token)
        http.close()

    p50, samples = p50_ms(one, SAMPLES)
    samples.sort()
    return Row("source account creation (generate + create) p50", p50, "ms", "<= 150 ms", p50 <= 150,
               f"{SAMPLES} samples, min {samples[0]:.0f} / max {samples[-1]:.0f} ms")


def gpg_pipeline(document: Path, homedir: Path, fpr: str, out_dir: Path) -> float:
    output = out_dir / "ref.gz.gpg"
    output.unlink(missing_ok=True)
    command = (
        f"gzip -1 < {shlex.quote(str(document))} | gpg --homedir {shlex.quote(str(homedir))} --batch --quiet "
        f"--encrypt --compress-algo none -r {fpr} --trust-model always -o {shlex.quote(str(output))}"
    )
    start = time.perf_counter()
    subprocess.run(["bash", "-o", "pipefail", "-c", command], check=True)
    elapsed = time.perf_counter() - start
    output.unlink()
    return elapsed


class OnionShareReceiver:
    """`onionshare-cli --local-only --receive`, on a random local port, in its own group."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.received = base / "received"
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.action = ""
        self.field = ""

    def start(self, timeout: float = 60) -> OnionShareReceiver:
        home = self.base / "home"  # its settings go here, not into the real home
        home.mkdir(parents=True, exist_ok=True)
        self.received.mkdir(parents=True, exist_ok=True)
        log = self.base / "onionshare.log"
        with open(log, "wb") as output:
            self.process = subprocess.Popen(
                ["onionshare-cli", "--local-only", "--receive", "--data-dir", str(self.received)],
                env={**os.environ, "HOME": str(home)},
                stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"onionshare-cli exited: {log.read_text(errors='replace')[-800:]}")
            match = re.search(r"Give this address.*?\n(http://127\.0\.0\.1:\d+\S*)", log.read_text(errors="replace"))
            if match:
                self.url = match.group(1).rstrip("/")
                break
            time.sleep(0.1)
        else:
            self.stop()
            raise TimeoutError("onionshare-cli printed no address")
        # Post as its web page does: read the receive form.
        page = requests.get(self.url + "/", timeout=30).text
        form = re.search(r'<form[^>]*id="send"[^>]*action="([^"]+)"', page)
        field = re.search(r'<input type="file"[^>]*name="([^"]+)"', page)
        if form is None or field is None:
            self.stop()
            raise RuntimeError("onionshare's receive page has no upload form")
        self.action = self.url + form.group(1)
        self.field = field.group(1)
        return self

    def upload(self, document: Path) -> float:
        body = file_multipart({}, self.field, document)
        start = time.perf_counter()
        response = requests.post(self.action, data=body, headers={"Content-Type": body.content_type},
                                 timeout=3600, allow_redirects=False)
        elapsed = time.perf_counter() - start
        received = [p for p in self.received.rglob("*") if p.is_file()]
        if response.status_code >= 400 or len(received) != 1 or received[0].stat().st_size != document.stat().st_size:
            raise RuntimeError(f"onionshare upload failed: {response.status_code}, {received}")
        shutil.rmtree(self.received)
        self.received.mkdir()
        return elapsed

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def write_random(path: Path, size: int) -> None:
    with open(path, "wb") as handle:
        for _ in range(size // CHUNK):
            handle.write(os.urandom(CHUNK))


def mbps(size: int, seconds: float) -> float:
    return size / MB / seconds


def timed(action: Callable[[], float]) -> float:
    # Earlier runs' dirty pages would otherwise be written back during this one.
    os.sync()
    return action()


def throughput_rows(server: LiveServer, tmp: Path, public_key: str, fpr: str) -> list[Row]:
    """The three contenders take turns on the same file, so that drifting machine noise
    falls on all of them alike; each keeps its best run."""
    document = tmp / "random-100MiB.bin"
    write_random(document, THROUGHPUT_BYTES)
    warm = tmp / "warm-1MiB.bin"
    write_random(warm, MiB)
    size = document.stat().st_size
    onion_row = "  ratio to OnionShare 2.6 receive (plaintext)"

    http = new_source_over_http(server.url)
    submit_file(http, server.url, warm)  # first-use costs, untimed
    homedir = tmp / "reference-gnupg"
    OpenPGP(homedir, tmp / "reference-tmp").import_submission_key(public_key)
    contenders: dict[str, Callable[[], float]] = {
        "ours": lambda: submit_file(http, server.url, document),
        "gzip|gpg": lambda: gpg_pipeline(document, homedir, fpr, tmp),
    }
    onion_problem = ""
    receiver = OnionShareReceiver(tmp / "onionshare")
    if shutil.which("onionshare-cli") is None:
        onion_problem = "onionshare-cli not installed (scripts/system-deps.sh onionshare-cli)"
    else:
        try:
            receiver.start()
            receiver.upload(warm)
            contenders["onionshare"] = lambda: receiver.upload(document)
        except (RuntimeError, TimeoutError, OSError) as exc:
            onion_problem = str(exc)
    times: dict[str, list[float]] = {name: [] for name in contenders}
    try:
        for _ in range(THROUGHPUT_RUNS):
            for name, action in list(contenders.items()):
                try:
                    times[name].append(timed(action))
                except (RuntimeError, OSError, requests.RequestException) as exc:
                    if name != "onionshare":
                        raise
                    onion_problem = str(exc)
                    del contenders[name], times[name]
    finally:
        receiver.stop()
        http.close()
    document.unlink()

    def best(name: str) -> float:
        return mbps(size, min(times[name]))

    def runs(name: str) -> str:
        return f"best of {len(times[name])} (runs " + "/".join(f"{mbps(size, t):.0f}" for t in times[name]) + ")"

    ours = best("ours")
    rows = [
        Row("100 MiB random document via POST /submit", ours, "MB/s", ">= 2x gzip|gpg, >= 0.5x OnionShare",
            None, runs("ours") + " MB/s"),
        Row("  ratio to `gzip -1 | gpg --compress-algo none`", ours / best("gzip|gpg"), "x", ">= 2.0x",
            ours / best("gzip|gpg") >= 2.0, f"gzip|gpg {best('gzip|gpg'):.0f} MB/s, {runs('gzip|gpg')}"),
    ]
    if "onionshare" in times:
        ratio = ours / best("onionshare")
        rows.append(Row(onion_row, ratio, "x", ">= 0.5x", ratio >= 0.5,
                        f"OnionShare {best('onionshare'):.0f} MB/s, {runs('onionshare')}"))
    else:
        rows.append(Row(onion_row, float("nan"), "x", ">= 0.5x", None, f"n/a: {onion_problem}"[:140]))
    return rows


# -- memory -----------------------------------------------------------------------------
def tree_rss(root: int) -> tuple[int, int]:
    """(summed RSS in bytes, number of processes) of `root`'s process tree."""
    page = os.sysconf("SC_PAGE_SIZE")
    total = 0
    pids = process_tree(root)
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
        except (OSError, ValueError, IndexError):
            continue  # exited meanwhile
    return total, len(pids)


class RssSampler(threading.Thread):
    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.peak = 0
        self.samples = 0
        self.most_processes = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            rss, processes = tree_rss(self.root)
            self.peak = max(self.peak, rss)
            self.most_processes = max(self.most_processes, processes)
            self.samples += 1
            time.sleep(RSS_INTERVAL)


def rss_row(env: dict[str, str], tmp: Path) -> Row:
    document = tmp / "random-480MiB.bin"
    write_random(document, RSS_UPLOAD_BYTES)
    warm = tmp / "warm-1MiB.bin"
    write_random(warm, MiB)
    # A fresh server, so that earlier benchmarks' allocations do not hide any growth.
    with LiveServer("source_app", env) as server:
        assert server.process is not None
        http = new_source_over_http(server.url)
        submit_file(http, server.url, warm)  # imports and first-use costs, before the baseline
        submit_file(http, server.url, warm)
        time.sleep(0.5)
        baseline, baseline_processes = tree_rss(server.process.pid)
        sampler = RssSampler(server.process.pid)
        sampler.start()
        try:
            seconds = submit_file(http, server.url, document)
        finally:
            sampler.stopping.set()
            sampler.join()
        http.close()
    size = document.stat().st_size
    document.unlink()
    growth = (sampler.peak - baseline) / MiB
    return Row("peak server RSS growth, 480 MiB upload", growth, "MiB", "<= 64 MiB", growth <= 64,
               f"baseline {baseline / MiB:.0f} MiB in {baseline_processes} processes, up to {sampler.most_processes} "
               f"with gpg; {sampler.samples} samples, "
               f"upload at {mbps(size, seconds):.0f} MB/s")


def stop_gpg_agents(homedirs: list[Path]) -> None:
    """Importing a key starts a gpg-agent daemon per keyring, outside our process groups."""
    for homedir in homedirs:
        if homedir.exists():
            stop_gpg_daemons(homedir)


def run() -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="securedrop-bench-") as name:
        tmp = Path(name)
        key_dir = tmp / "key" / "keys"
        env: dict[str, str] = {}
        try:
            key_pgp = OpenPGP(key_dir, tmp / "key" / "tmp")
            fpr, _secret = key_pgp.generate_dev_submission_key()
            public_key = key_pgp.export_submission_key()
            env = prepare_data_dir(tmp / "data", public_key)
            rows: list[Row] = []
            with LiveServer("source_app", env) as server:
                rows.append(account_creation(server))
                rows += throughput_rows(server, tmp, public_key, fpr)
            rows.append(rss_row(env, tmp))
            return rows
        finally:
            homedirs = [key_dir, tmp / "reference-gnupg"]
            if env:
                homedirs.append(config.load(env).keyring_dir)
            stop_gpg_agents(homedirs)



if __name__ == "__main__":
    from bench.common import print_table

    print_table(run())
