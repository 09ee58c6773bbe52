"""gpg started through crypto/spawn.py in a gevent-patched process, as in the source app's workers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import Decryptor

REPO = Path(__file__).resolve().parents[3]

# Runs in a fresh interpreter: gevent's monkey-patching must come first, as gunicorn's
# gevent worker does it.
GREEN_SCRIPT = r"""
from gevent import monkey; monkey.patch_all()
import io, json, os, socket, sys
from pathlib import Path
import gevent
from securedrop.crypto import spawn
from securedrop.crypto.openpgp import OpenPGP

base = Path(sys.argv[1])
pgp = OpenPGP(base / "keys", base / "tmp")
fpr, secret = pgp.generate_dev_submission_key()
(base / "submission-secret.asc").write_text(secret)

ticks = 0
def tick():
    global ticks
    while True:
        ticks += 1
        gevent.sleep(0.001)
ticker = gevent.spawn(tick)
gevent.sleep(0)
document = (base / "document").read_bytes()
before = ticks
pgp.encrypt_stream_to_submission_key(io.BytesIO(document), base / "document.gpg")
ticks_during_encryption = ticks - before

pair = pgp.generate_source_key("F" * 40)
pgp.encrypt_reply("a reply in Greek: καλημέρα", pair.public_key, base / "reply.gpg")
[reply] = pgp.decrypt_with_source_key(pair.secret_key, [(base / "reply.gpg").read_bytes()])
ticker.kill()

listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.set_inheritable(True)  # as gunicorn's listening socket is
listing = spawn.GreenProcess(["ls", "/proc/self/fd"])
listing.stdin.close()
child_fds = sorted(int(fd) for fd in listing.stdout.read().split())
failing = spawn.GreenProcess(["sh", "-c", "echo oops >&2; exit 3"])
failing.stdin.close()
print(json.dumps({
    "cooperative": spawn.cooperative(),
    "ticks_during_encryption": ticks_during_encryption,
    "reply": reply,
    "listener_fd": listener.fileno(),
    "child_fds": child_fds,
    "listing_exit": listing.wait(),
    "failing_stderr": failing.stderr.read().decode(),
    "failing_exit": failing.wait(),
}))
"""


def test_gpg_under_gevent_encrypts_decrypts_and_lets_other_connections_run(tmp_path: Path) -> None:
    document = bytes(range(256)) * (20 * 4096)  # 20 MiB
    (tmp_path / "document").write_bytes(document)
    result = subprocess.run([sys.executable, "-c", GREEN_SCRIPT, str(tmp_path)], cwd=REPO,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts["cooperative"] is True
    # The whole document went through gpg's pipes, and back out intact.
    decryptor = Decryptor(tmp_path / "journalist", (tmp_path / "submission-secret.asc").read_text())
    try:
        assert decryptor.decrypt((tmp_path / "document.gpg").read_bytes()) == document
    finally:
        decryptor.close()
    assert facts["reply"] == "a reply in Greek: καλημέρα"
    # Another green thread kept running while gpg encrypted.
    assert facts["ticks_during_encryption"] >= 3
    # gpg inherits no listening socket; the exit status is gpg's own.
    assert facts["listener_fd"] not in facts["child_fds"] and facts["listing_exit"] == 0
    assert (facts["failing_exit"], facts["failing_stderr"]) == (3, "oops\n")


# As gunicorn's gevent worker starts after its fork: patched, then the hub re-initialised.
# Nothing has installed libev's SIGCHLD handler yet (gevent does that on demand).
AFTER_FORK_SCRIPT = r"""
from gevent import monkey; monkey.patch_all()
import gevent
from gevent import hub
hub.reinit()
from securedrop.crypto import spawn
process = spawn.GreenProcess(["sh", "-c", "exit 7"])
process.stdin.close()
with gevent.Timeout(20):
    print(process.wait())
"""


def test_a_fresh_worker_learns_that_gpg_exited(tmp_path: Path) -> None:
    # Before the fix the exit went unnoticed (the child stayed a zombie) and the source
    # app's worker waited forever: intermittently, the source interface never answered
    # after a start.
    result = subprocess.run([sys.executable, "-c", AFTER_FORK_SCRIPT], cwd=REPO,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "7"
