"""Revoking a device's client key cuts off that device even while it is connected to the
journalist onion (an open rendezvous circuit), on a private Tor network; others keep working."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
import socks

from securedrop import config, db, onion
from securedrop.domain import journalists as accounts
from securedrop.services import build_services
from tests.conftest import SubmissionKey
from tests.functional.live_server import prepare_data_dir
from tests.functional.serve_process import Serve, cli
from tests.tor.network import PrivateTorNetwork, TorNode
from tests.tor.socks import requests_session, settled_reply, socks_reply

pytestmark = pytest.mark.tor

PASSPHRASE = "mango crater velvet lantern orbit meadow quiver"
#: Attempts to reach the service after the revoke: each opens a new stream.
ATTEMPTS = 5


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory, submission_key: SubmissionKey,
          network: PrivateTorNetwork) -> Iterator[Serve]:
    env = prepare_data_dir(tmp_path_factory.mktemp("revoke") / "data", submission_key.public)
    services = build_services(config.load(env))
    with db.unit_of_work(services.sessions) as session:
        for username in ("carol", "dave"):
            accounts.create_journalist(session, accounts.NewAccount(
                username=username, passphrase=PASSPHRASE, offered=PASSPHRASE, two_factor=accounts.TwoFactor.new_totp(),
            ))
    services.engine.dispose()
    process = Serve(env, ["--control-port", str(network.service_control_port)]).start()
    try:
        yield process
    finally:
        process.stop()


def issue(serve: Serve, username: str) -> tuple[str, str]:
    """(key id, private key) of a new client key for `username`'s device."""
    out = cli(serve.env, "onion-key", "issue", "--username", username, "--device", f"{username} phone")
    key_id = re.search(r"^Key ([0-9a-f-]{36}) ", out, re.M)
    private = re.search(r"^\s+([A-Z2-7]{52})$", out, re.M)
    assert key_id and private
    return key_id.group(1), private.group(1)


def new_stream(node: TorNode, address: str) -> int:
    """0 if `node` opened a new stream to the service, else tor's SOCKS reply (-1: none in time)."""
    try:
        return socks_reply(node.socks_port, address, timeout=30)
    except socks.GeneralProxyError:
        return -1


def reaches(node: TorNode, address: str, timeout: float = 150) -> bool:
    """Whether `node` gets through, once it has fetched the republished descriptor (a
    device whose circuits were closed reconnects from scratch, as Tor Browser would)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if new_stream(node, address) == 0:
            return True
        node.new_identity()
        time.sleep(2)
    return False


def test_a_connected_device_is_cut_off_when_its_key_is_revoked(serve: Serve, network: PrivateTorNetwork) -> None:
    carol_key, dave_key = issue(serve, "carol"), issue(serve, "dave")
    address = serve.wait_for(r"Journalist interface: http://([a-z2-7]{56})\.onion/ \(2 authorized").group(1)
    carol, dave = network.start_clients(["carol-phone", "dave-phone"])
    for node, (_key_id, private) in ((carol, carol_key), (dave, dave_key)):
        node.add_client_auth(address, onion.private_key_base64(onion.client_key_from_private(private)))
        assert settled_reply(node, address, timeout=120) == 0
    # Carol's device is connected: a page loaded, its rendezvous circuit open and warm.
    with requests_session(carol) as browser:
        assert browser.get(f"http://{address}.onion/login", timeout=60).status_code == 200
    assert new_stream(carol, address) == 0

    mark = len(serve.lines)
    cli(serve.env, "onion-key", "revoke", carol_key[0])
    # `serve` prints this once the journalist onion is republished without Carol's key.
    serve.wait_for(r"\(1 authorized client key\)", after=mark)

    # From then on, no new stream of Carol's device reaches the service: not over the
    # rendezvous circuit it had open, nor by connecting again.
    replies = [new_stream(carol, address) for _ in range(ATTEMPTS)]
    assert 0 not in replies, f"the revoked device still opened streams: {replies}"
    # Dave's device keeps working (its circuits were closed too: it reconnects).
    assert reaches(dave, address)
    with requests_session(dave) as browser:
        assert browser.get(f"http://{address}.onion/login", timeout=60).status_code == 200
