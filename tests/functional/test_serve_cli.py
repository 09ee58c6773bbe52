"""`securedrop serve` and `securedrop onion-key` as an operator runs them, against a real
tor kept off the network: clear failures, and never a journalist onion without client auth."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from securedrop import config, db
from securedrop.domain import journalists as accounts
from securedrop.services import build_services
from tests.conftest import SubmissionKey
from tests.functional.live_server import free_port, prepare_data_dir
from tests.functional.serve_process import Serve, securedrop
from tests.tor.standalone import StandaloneTor

pytestmark = pytest.mark.tor


@pytest.fixture
def env(tmp_path: Path, submission_key: SubmissionKey) -> dict[str, str]:
    env = prepare_data_dir(tmp_path / "data", submission_key.public)
    services = build_services(config.load(env))
    with db.unit_of_work(services.sessions) as session:
        accounts.create_journalist(session, accounts.NewAccount(
            username="alice", passphrase="a b c d e f g h i j k", offered="a b c d e f g h i j k",
            two_factor=accounts.TwoFactor.new_totp(),
        ))
    services.engine.dispose()
    return env


def _ports() -> list[str]:
    return ["--source-port", str(free_port()), "--journalist-port", str(free_port())]


def test_no_tor_on_the_control_port_is_explained(env: dict[str, str]) -> None:
    result = securedrop(env, "serve", "--control-port", str(free_port()), *_ports())
    assert result.returncode == 2
    assert "control port" in result.stderr and "torrc" in result.stderr


def test_wrong_control_password_is_explained(env: dict[str, str], tmp_path: Path) -> None:
    with StandaloneTor(tmp_path / "tor", password="the right one") as tor:
        result = securedrop({**env, "SECUREDROP_TOR_CONTROL_PASSWORD": "a wrong one"},
                            "serve", "--control-port", str(tor.control_port), *_ports())
    assert result.returncode == 2
    assert "password" in result.stderr


def test_corrupt_onion_key_is_explained_and_kept(env: dict[str, str]) -> None:
    key = Path(env["SECUREDROP_DATA_DIR"], "onion", "source.key")
    key.parent.mkdir(mode=0o700)
    key.write_text("ED25519-V3:not a key")
    key.chmod(0o600)
    result = securedrop(env, "serve", "--launch-tor-offline", *_ports())
    assert result.returncode == 2
    assert "restore it from a backup" in result.stderr
    assert key.read_text() == "ED25519-V3:not a key"


def test_journalist_onion_waits_for_a_key_then_requires_it(env: dict[str, str]) -> None:
    serve = Serve(env, ["--launch-tor-offline"]).start()
    try:
        serve.wait_for(r"Source interface:\s+http://[a-z2-7]{56}\.onion/")
        serve.wait_for(r"Journalist interface: not published")
        issued = securedrop(env, "onion-key", "issue", "--username", "alice", "--device", "laptop")
        assert issued.returncode == 0, issued.stderr
        serve.wait_for(r"Journalist interface: http://[a-z2-7]{56}\.onion/ \(1 authorized client key\)")
        listed = securedrop(env, "onion-key", "list").stdout
        assert "alice" in listed and "laptop" in listed
        mark = len(serve.lines)
        assert securedrop(env, "onion-key", "revoke", listed.split()[0]).returncode == 0
        serve.wait_for(r"Journalist interface: not published", after=mark)
    finally:
        assert serve.stop() == 0


def test_issue_for_an_unknown_journalist_or_bad_device_changes_nothing(env: dict[str, str]) -> None:
    assert securedrop(env, "onion-key", "issue", "--username", "nobody", "--device", "x").returncode != 0
    bad = securedrop(env, "onion-key", "issue", "--username", "alice", "--device", "   ")
    assert bad.returncode != 0 and "device name" in bad.stderr
    assert securedrop(env, "onion-key", "revoke", "no-such-id").returncode != 0
    assert securedrop(env, "onion-key", "list").stdout == ""


def test_serve_start_shreds_what_a_crash_left_in_tmp_and_spares_fresh_entries(env: dict[str, str]) -> None:
    tmp = Path(env["SECUREDROP_DATA_DIR"], "tmp")
    tmp.mkdir(mode=0o700, exist_ok=True)
    stale, fresh = tmp / "spool-crashed", tmp / "gpg-in-use"
    stale.write_bytes(b"ciphertext of an upload whose worker was killed")
    fresh.mkdir()
    hour_ago = time.time() - 3600
    os.utime(stale, (hour_ago, hour_ago))
    serve = Serve(env, ["--launch-tor-offline"]).start()
    try:
        serve.wait_for(r"Removed 1 entries left in tmp/ by an earlier crash\.")
        serve.wait_for(r"Journalist interface: not published")
        assert not stale.exists() and fresh.is_dir()
    finally:
        assert serve.stop() == 0
