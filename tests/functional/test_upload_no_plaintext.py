"""A 50 MiB upload through a real gunicorn never puts its plaintext on disk.

The body streams slowly to the server while a scanner thread reads every file under
the data directory and the system temp directory, looking for a marker repeated
throughout the document. At checkpoints the upload waits for a whole scan to finish, so
the disk is inspected while the upload spool is being written, whatever the machine's
speed. Afterwards only `*.gpg` files remain, and the stored document decrypts and
gunzips to the original, byte for byte. The server runs the source app's own worker
class (gevent), so this also covers how that worker hands the body to the app.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import secrets
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from securedrop import config
from securedrop.models import Source, Submission
from securedrop.services import build_services
from tests.conftest import Decryptor, SubmissionKey, stop_gpg_daemons
from tests.functional.live_server import LiveServer, prepare_data_dir
from tests.functional.source_journey import StreamingMultipart, csrf_over_http, new_source_over_http

pytestmark = pytest.mark.slow

MiB = 1024 * 1024
DOCUMENT_BYTES = 50 * MiB
HEADER_BYTES = 4096
CHUNK_BYTES = 256 * 1024
#: Pause after each chunk: ~200 chunks, so ~2 s of upload beyond the checkpoints.
CHUNK_PAUSE = 0.01
#: Fractions of the document at which the upload waits for a complete disk scan.
CHECKPOINTS = (0.1, 0.5, 0.9)
SCAN_READ = 4 * MiB

class Scanner(threading.Thread):
    """Reads every regular file below `roots` over and over, looking for `marker`."""

    def __init__(self, roots: list[Path], marker: bytes, spool_dir: Path, pids: Callable[[], list[int]]) -> None:
        super().__init__(daemon=True)
        self.roots = roots
        self.pids = pids
        self.marker = marker
        self.spool_dir = spool_dir
        self.found: set[Path] = set()
        #: Sizes of spool files read while the upload was still being sent.
        self.spools_seen: dict[Path, int] = {}
        self.upload_sending = True
        self.passes = 0
        self.stopping = threading.Event()
        self._pass_done = threading.Condition()

    def run(self) -> None:
        while not self.stopping.is_set():
            for root in self.roots:
                self._scan_tree(root)
            self._scan_open_files()
            with self._pass_done:
                self.passes += 1
                self._pass_done.notify_all()

    def wait_for_full_pass(self, timeout: float = 120) -> None:
        """Block until a pass that started after this call has finished."""
        with self._pass_done:
            target = self.passes + 2  # the pass under way may have started before the call
            assert self._pass_done.wait_for(lambda: self.passes >= target, timeout), "the scanner is stuck"

    def _scan_tree(self, root: Path) -> None:
        stack = [root]
        while stack:
            try:
                entries = list(os.scandir(stack.pop()))
            except OSError:
                continue  # vanished or unreadable
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(Path(entry.path))
                    elif entry.is_file(follow_symlinks=False):
                        self._scan_file(Path(entry.path))
                except OSError:
                    continue

    def _scan_open_files(self) -> None:
        """Regular files the server processes hold open, unlinked ones included: an
        O_TMPFILE or deleted temp file (tempfile.TemporaryFile) is in no directory."""
        for pid in self.pids():
            try:
                fds = list(Path(f"/proc/{pid}/fd").iterdir())
            except OSError:
                continue  # the process has exited
            for fd in fds:
                try:
                    if stat.S_ISREG(fd.stat().st_mode):
                        self._scan_file(fd)
                except OSError:
                    continue

    def _scan_file(self, path: Path) -> None:
        overlap = len(self.marker) - 1
        sending = self.upload_sending
        read = 0
        try:
            # Non-blocking, and checked once open: a FIFO, or a server fd number reused
            # for a pipe meanwhile, is closed unread (reading would steal gpg's data).
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError:
            return  # vanished, or not ours to read
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return
            with os.fdopen(fd, "rb", closefd=False) as handle:
                tail = b""
                while chunk := handle.read(SCAN_READ):
                    read += len(chunk)
                    if self.marker in tail + chunk:
                        self.found.add(path)
                        return
                    tail = chunk[-overlap:]
        except OSError:
            return
        finally:
            os.close(fd)
        if sending and path.parent == self.spool_dir and path.name.startswith("spool-") and read:
            self.spools_seen[path] = max(read, self.spools_seen.get(path, 0))


def test_large_upload_leaves_no_plaintext_on_disk(
    tmp_path: Path, submission_key: SubmissionKey, decryptor: Decryptor, request: pytest.FixtureRequest
) -> None:
    data_dir = tmp_path / "data"
    env = prepare_data_dir(data_dir, submission_key.public)
    settings = config.load(env)
    # Importing the submission key started a gpg-agent daemon for this keyring.
    request.addfinalizer(lambda: stop_gpg_daemons(settings.keyring_dir))
    marker = secrets.token_hex(32).encode()
    header = os.urandom(HEADER_BYTES)
    body = (marker * (DOCUMENT_BYTES // len(marker) + 1))[: DOCUMENT_BYTES - HEADER_BYTES]
    original = header + body
    assert len(original) == DOCUMENT_BYTES
    expected_sha256 = hashlib.sha256(original).hexdigest()
    del body

    roots = [data_dir, Path(tempfile.gettempdir())]
    server = LiveServer("source_app", env)
    scanner = Scanner(roots, marker, settings.tmp_dir, server.pids)

    def document() -> Iterator[bytes]:
        checkpoints = [int(DOCUMENT_BYTES * f) for f in CHECKPOINTS]
        for offset in range(0, DOCUMENT_BYTES, CHUNK_BYTES):
            yield original[offset: offset + CHUNK_BYTES]
            if checkpoints and offset + CHUNK_BYTES >= checkpoints[0]:
                checkpoints.pop(0)
                time.sleep(0.2)  # let the server drain its socket into the spool
                scanner.wait_for_full_pass()
            time.sleep(CHUNK_PAUSE)
        scanner.upload_sending = False

    with server:
        # The body is read by the source app's gevent workers (gunicorn's parser on a
        # green socket): this test is what shows that reading keeps it a stream.
        workers = [pid for pid in server.pids()[1:] if b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        assert workers and all("gevent" in Path(f"/proc/{pid}/maps").read_text() for pid in workers), workers
        http = new_source_over_http(server.url)
        token = csrf_over_http(http, server.url + "/lookup")
        upload = StreamingMultipart({"csrf_token": token, "msg": ""}, "fh", "marker.bin", document(),
                                    DOCUMENT_BYTES)
        scanner.start()
        try:
            started = time.monotonic()
            response = http.post(server.url + "/submit", data=upload, timeout=600, allow_redirects=False,
                                 headers={"Content-Type": upload.content_type})
            elapsed = time.monotonic() - started
            scanner.wait_for_full_pass()  # one more look once the server has finished
        finally:
            scanner.stopping.set()
            scanner.join(timeout=120)
        assert response.status_code == 302, response.text[:2000]
        assert response.headers["Location"].endswith("/lookup")
        assert "Thanks! We received your document." in http.get(server.url + "/lookup", timeout=30).text
        http.close()

    assert not scanner.found, f"plaintext marker found on disk in {sorted(scanner.found)}"
    # The scan really looked at the encrypted spool while the body was arriving: if
    # spooling moved elsewhere (memory, another directory), this test must be revisited.
    assert scanner.spools_seen, "the scanner never saw an upload spool in <data dir>/tmp mid-upload"
    assert max(scanner.spools_seen.values()) >= 4 * MiB, scanner.spools_seen
    assert scanner.passes >= 2 * len(CHECKPOINTS), scanner.passes

    # Only encrypted files remain; no staging file, no spool.
    stored = sorted(p for p in settings.store_dir.rglob("*") if p.is_file())
    assert stored and all(p.name.endswith(".gpg") and not p.name.startswith(".") for p in stored), stored
    assert list(settings.tmp_dir.glob("spool-*")) == []

    services = build_services(settings)
    try:
        with services.sessions() as session:
            fsid = session.scalars(select(Source.filesystem_id)).one()
            filename = session.scalars(select(Submission.filename)).one()
    finally:
        services.engine.dispose()
    assert filename.endswith("-doc.gz.gpg")
    path = settings.store_dir / fsid / filename
    assert stored == [path]
    ciphertext = path.read_bytes()
    assert marker not in ciphertext
    plaintext = gzip.decompress(decryptor.decrypt(ciphertext))
    assert len(plaintext) == DOCUMENT_BYTES
    assert hashlib.sha256(plaintext).hexdigest() == expected_sha256
    print(f"50 MiB upload in {elapsed:.1f} s with {scanner.passes} scans of {len(roots)} trees")
