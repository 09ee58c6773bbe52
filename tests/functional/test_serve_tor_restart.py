"""`securedrop serve` notices that tor went away, records it for the alert, and republishes when tor is back."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import SubmissionKey
from tests.functional.live_server import free_port, prepare_data_dir
from tests.functional.serve_process import Serve
from tests.tor.network import TorNode, require_binary
from tests.tor.standalone import StandaloneTor

pytestmark = pytest.mark.tor


def offline_tor(base: Path, control_port: int) -> StandaloneTor:
    """A tor off the network on a fixed control port, so a restarted one is found at the same place."""
    tor = StandaloneTor(base)
    tor.node = TorNode("restartable", base, [
        ("SocksPort", "0"), ("DisableNetwork", "1"), ("CookieAuthentication", "1"),
        ("ControlPort", f"127.0.0.1:{control_port}"),
    ], require_binary("tor"))
    return tor.start()


def onion_state(data_dir: Path) -> dict[str, object]:
    try:
        return dict(json.loads((data_dir / "state" / "onion.json").read_text()))
    except (OSError, ValueError):
        return {}


def wait_until(predicate: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_a_restarted_tor_gets_the_onions_back_and_the_outage_is_recorded(
    tmp_path: Path, submission_key: SubmissionKey
) -> None:
    env = prepare_data_dir(tmp_path / "data", submission_key.public)
    data_dir = Path(env["SECUREDROP_DATA_DIR"])
    port = free_port()
    tor = offline_tor(tmp_path / "tor", port)
    serve = Serve(env, ["--control-port", str(port)]).start()
    try:
        serve.wait_for(r"Source interface:\s+http://[a-z2-7]{56}\.onion/")
        wait_until(lambda: onion_state(data_dir).get("published") is True)
        key = (data_dir / "onion" / "source.key").read_text().strip()
        assert tor.is_published(key)

        tor.stop()  # as `systemctl restart tor` does
        wait_until(lambda: onion_state(data_dir).get("published") is False)

        mark = len(serve.lines)
        tor = offline_tor(tmp_path / "tor", port)
        serve.wait_for(r"tor is back: the onion services are published again", after=mark)
        wait_until(lambda: onion_state(data_dir).get("published") is True)
        assert tor.is_published(key)
    finally:
        assert serve.stop() == 0
        tor.stop()
    assert not (data_dir / "state" / "onion.json").exists()  # stopped on purpose: nothing to alert about
