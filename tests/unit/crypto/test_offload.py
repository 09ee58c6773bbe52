"""Under gevent (the source app's workers), scrypt runs off the event loop: other
connections are served while a codename is being derived."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# Run in a child: monkey-patching the test process would change every other test.
PROGRAM = textwrap.dedent("""
    from gevent import monkey
    monkey.patch_all()
    import gevent
    from securedrop.crypto.derivation import CodenameHasher

    hasher = CodenameHasher(b"i" * 32, b"k" * 32)
    deriving = False
    turns_while_deriving = 0

    def other_connection():
        global turns_while_deriving
        while True:
            if deriving:
                turns_while_deriving += 1
            gevent.sleep(0)

    gevent.spawn(other_connection)
    gevent.sleep(0)
    deriving = True
    secrets = hasher.derive("alpha bravo charlie delta echo foxtrot golf")
    deriving = False
    # The same result as without gevent.
    assert secrets == CodenameHasher(b"i" * 32, b"k" * 32).derive("alpha bravo charlie delta echo foxtrot golf")
    print(turns_while_deriving)
""")


def test_the_event_loop_keeps_running_while_scrypt_derives() -> None:
    result = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 0, "scrypt blocked the event loop"
