"""`securedrop serve` on a private Tor network: sources reach the source onion; only
devices holding an issued client key reach the journalist onion, until revoked."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
import socks

from securedrop import config, db
from securedrop.domain import journalists as accounts
from securedrop.services import build_services
from tests.conftest import Decryptor, SubmissionKey, csrf_from
from tests.functional.live_server import prepare_data_dir
from tests.functional.serve_process import Serve, cli
from tests.functional.source_journey import csrf_over_http, new_source_over_http
from tests.tor.network import PrivateTorNetwork, TorNode
from tests.tor.socks import CLIENT_AUTH_BAD, CLIENT_AUTH_MISSING, requests_session, settled_reply, socks_reply

pytestmark = pytest.mark.tor

PASSPHRASE = "mango crater velvet lantern orbit meadow quiver"
ADDRESS = re.compile(r"(Source|Journalist) interface:\s+http://([a-z2-7]{56})\.onion/")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory, submission_key: SubmissionKey,
               network: PrivateTorNetwork) -> Iterator[tuple[Serve, dict[str, str]]]:
    env = prepare_data_dir(tmp_path_factory.mktemp("serve") / "data", submission_key.public)
    secrets_by_user = {}
    services = build_services(config.load(env))
    with db.unit_of_work(services.sessions) as session:
        for username in ("alice", "bob"):
            two_factor = accounts.TwoFactor.new_totp()
            accounts.create_journalist(session, accounts.NewAccount(
                username=username, passphrase=PASSPHRASE, offered=PASSPHRASE, two_factor=two_factor,
            ))
            secrets_by_user[username] = two_factor.secret
    services.engine.dispose()
    env = {**env, "ALICE_TOTP": secrets_by_user["alice"]}
    serve = Serve(env, ["--control-port", str(network.service_control_port)]).start()
    try:
        yield serve, env
    finally:
        serve.stop()


def _eventually(node: TorNode, address: str, wanted: set[int], timeout: float = 150) -> bool:
    """Whether `node` settles on a reply in `wanted`. Until the republished descriptor
    reaches the directories a client may still try the old one's introduction points
    and time out: each try starts from a fresh descriptor cache (as New Identity does)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        node.new_identity()
        try:
            if socks_reply(node.socks_port, address, timeout=20) in wanted:
                return True
        except socks.GeneralProxyError:
            pass  # a timeout on stale introduction points
        time.sleep(2)
    return False


def test_a_source_submits_through_the_source_onion(
    deployment: tuple[Serve, dict[str, str]], network: PrivateTorNetwork, decryptor: Decryptor
) -> None:
    serve, env = deployment
    address = serve.wait_for(r"Source interface:\s+http://([a-z2-7]{56})\.onion/").group(1)
    assert network.client is not None
    assert settled_reply(network.client, address, timeout=90) == 0
    browser = requests_session(network.client)
    base = f"http://{address}.onion"
    assert browser.get(f"{base}/metadata", timeout=60).json()["v3_source_url"] == f"{address}.onion"
    new_source_over_http(base, browser)
    lookup = browser.get(f"{base}/lookup", timeout=60)
    assert lookup.url.endswith("/lookup")
    response = browser.post(f"{base}/submit", data={"csrf_token": csrf_from(lookup.text), "msg": "over tor"},
                            files={"fh": ("", b"")}, timeout=60)
    assert "We received your message" in response.text
    stored = list(Path(env["SECUREDROP_DATA_DIR"], "store").rglob("*-msg.gpg"))
    assert len(stored) == 1
    assert decryptor.decrypt(stored[0].read_bytes()) == b"over tor"


def test_journalist_onion_needs_an_issued_key_until_revoked(
    deployment: tuple[Serve, dict[str, str]], network: PrivateTorNetwork
) -> None:
    serve, env = deployment
    serve.wait_for(r"Journalist interface: not published")
    issued = {}
    for username in ("alice", "bob"):
        out = cli(env, "onion-key", "issue", "--username", username, "--device", f"{username} laptop")
        key_id = re.search(r"^Key ([0-9a-f-]{36}) ", out, re.M)
        private = re.search(r"^\s+([A-Z2-7]{52})$", out, re.M)
        assert key_id and private
        issued[username] = (key_id.group(1), private.group(1))
    address = serve.wait_for(r"Journalist interface: http://([a-z2-7]{56})\.onion/ \(2 authorized").group(1)
    assert network.client is not None
    assert settled_reply(network.client, address, timeout=90) == CLIENT_AUTH_MISSING

    from securedrop import onion

    alice_client, bob_client = network.start_clients(["alice-device", "bob-device"])
    for node, username in ((alice_client, "alice"), (bob_client, "bob")):
        key = onion.client_key_from_private(issued[username][1])
        node.add_client_auth(address, onion.private_key_base64(key))
    assert settled_reply(alice_client, address, timeout=90) == 0

    # Alice logs in through her device.
    browser = requests_session(alice_client)
    base = f"http://{address}.onion"
    token = csrf_over_http(browser, f"{base}/login")
    code = pyotp.TOTP(env["ALICE_TOTP"]).now()
    page = browser.post(f"{base}/login", data={"csrf_token": token, "username": "alice",
                                               "password": PASSPHRASE, "token": code}, timeout=60)
    assert page.url.rstrip("/") == base and "alice" in page.text

    # Revoking Alice's key cuts off her device alone.
    mark = len(serve.lines)
    cli(env, "onion-key", "revoke", issued["alice"][0])
    serve.wait_for(r"\(1 authorized client key\)", after=mark)
    assert _eventually(alice_client, address, {CLIENT_AUTH_MISSING, CLIENT_AUTH_BAD})
    assert _eventually(bob_client, address, {0})
    with requests_session(bob_client) as bob:
        assert bob.get(f"{base}/login", timeout=60).status_code == 200


def test_source_address_survives_a_restart(deployment: tuple[Serve, dict[str, str]]) -> None:
    serve, _env = deployment
    before = serve.wait_for(r"Source interface:\s+http://([a-z2-7]{56})\.onion/").group(1)
    serve.stop()
    serve.start()
    after = serve.wait_for(r"Source interface:\s+http://([a-z2-7]{56})\.onion/").group(1)
    assert after == before
