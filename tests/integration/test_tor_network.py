"""Onion services published by securedrop.onion, reached for real over a private Tor network."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import socks

from securedrop import onion
from tests.tor.network import PrivateTorNetwork, TorNode

pytestmark = pytest.mark.tor

PAGE = b"journalist interface\n"
# Tor's extended SOCKS5 replies (SocksPort ... ExtendedErrors), prop. 304.
CLIENT_AUTH_MISSING = 0xF4
CLIENT_AUTH_BAD = 0xF5
# Replies that only mean "not there yet / stale cache": worth another try.
TRANSIENT = {0x01, 0x04, 0x06, 0xF0, 0xF2, 0xF3, 0xF7}


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # no request logs, as in the real apps


@dataclass
class Journalist:
    controller: onion.OnionController
    service_key: str
    ports: dict[int, tuple[str, int]]
    address: str
    key1: onion.ClientKey
    key2: onion.ClientKey


@pytest.fixture(scope="module")
def web_port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def controller(network: PrivateTorNetwork) -> Iterator[onion.OnionController]:
    with onion.OnionController.connect(control_port=network.service_control_port) as ctrl:
        yield ctrl


@pytest.fixture(scope="module")
def journalist(
    controller: onion.OnionController, web_port: int, tmp_path_factory: pytest.TempPathFactory
) -> Journalist:
    key_path = tmp_path_factory.mktemp("keys") / "journalist.key"
    service_key = onion.load_or_create_service_key(key_path)
    key1, key2 = onion.generate_client_keypair(), onion.generate_client_keypair()
    ports = {80: ("127.0.0.1", web_port)}
    address = controller.publish(service_key, ports, [key1.public_b32, key2.public_b32])
    assert controller.wait_for_upload(address, timeout=60), "descriptor never uploaded"
    return Journalist(controller, service_key, ports, address, key1, key2)


@pytest.fixture(scope="module")
def clients(network: PrivateTorNetwork, journalist: Journalist) -> tuple[TorNode, TorNode]:
    client1, client2 = network.start_clients(["client1", "client2"])
    # Over the control port: a SIGHUP to reload key files kills a young tor.
    client1.add_client_auth(journalist.address, onion.private_key_base64(journalist.key1))
    client2.add_client_auth(journalist.address, onion.private_key_base64(journalist.key2))
    return client1, client2


def socks_reply(socks_port: int, address: str, timeout: float = 60.0) -> int:
    """0 if tor connected us to address:80, else tor's SOCKS5 reply code."""
    sock = socks.socksocket()
    sock.set_proxy(socks.SOCKS5, "127.0.0.1", socks_port, rdns=True)
    sock.settimeout(timeout)
    try:
        sock.connect((f"{address}.onion", 80))
        return 0
    except socks.ProxyError as exc:
        return _reply_code(exc)
    finally:
        sock.close()


def _reply_code(exc: socks.ProxyError) -> int:
    # PySocks raises GeneralProxyError("Socket error", SOCKS5Error(...)) and
    # keeps the reply code only in the message: "0xf4: Unknown error".
    inner = exc.socket_err if isinstance(exc.socket_err, socks.SOCKS5Error) else exc
    if not isinstance(inner, socks.SOCKS5Error):
        raise exc
    return int(str(inner.msg).split(":", 1)[0], 16)


def settled_reply(node: TorNode, address: str, timeout: float = 60.0) -> int:
    """The first reply that is not transient (a descriptor not yet fetched, a stale one)."""
    deadline = time.monotonic() + timeout
    while True:
        code = socks_reply(node.socks_port, address)
        if code not in TRANSIENT or time.monotonic() > deadline:
            return code
        time.sleep(1)


def fetch(node: TorNode, address: str) -> bytes:
    proxy = f"socks5h://127.0.0.1:{node.socks_port}"
    response = requests.get(f"http://{address}.onion/", proxies={"http": proxy}, timeout=60)
    response.raise_for_status()
    return response.content


def test_network_came_up_in_time(network: PrivateTorNetwork) -> None:
    assert network.startup_seconds is not None and network.startup_seconds < 120


def test_every_node_is_confined_to_the_private_network(network: PrivateTorNetwork) -> None:
    for node in network.nodes:
        torrc = (node.data_dir / "torrc").read_text().splitlines()
        assert "TestingTorNetwork 1" in torrc and "UseDefaultFallbackDirs 0" in torrc
        assert "ExitRelay 0" in torrc and "ExitPolicy reject *:*" in torrc
        authorities = [line for line in torrc if line.startswith("DirAuthority ")]
        assert len(authorities) == network.n_authorities
        assert all(" 127.0.0.1:" in line for line in authorities)


def test_client_without_a_key_is_refused_at_once(network: PrivateTorNetwork, journalist: Journalist) -> None:
    assert network.client is not None
    started = time.monotonic()
    assert settled_reply(network.client, journalist.address) == CLIENT_AUTH_MISSING
    assert time.monotonic() - started < 30


def test_clients_with_keys_fetch_the_page(journalist: Journalist, clients: tuple[TorNode, TorNode]) -> None:
    for client in clients:
        assert settled_reply(client, journalist.address) == 0
        assert fetch(client, journalist.address) == PAGE


def test_public_service_with_pow_defense_is_reachable_without_a_key(
    network: PrivateTorNetwork, controller: onion.OnionController, web_port: int
) -> None:
    assert network.client is not None
    address = controller.publish(onion.generate_service_key(), {80: ("127.0.0.1", web_port)}, pow_defense=True)
    try:
        assert controller.wait_for_upload(address, timeout=60)
        assert settled_reply(network.client, address) == 0
        assert fetch(network.client, address) == PAGE
    finally:
        controller.remove(address)


def test_revoked_key_stops_working_while_the_other_still_works(
    journalist: Journalist, clients: tuple[TorNode, TorNode]
) -> None:
    client1, client2 = clients
    assert settled_reply(client1, journalist.address) == 0

    address = journalist.controller.republish(journalist.service_key, journalist.ports, [journalist.key2.public_b32])
    assert address == journalist.address
    assert journalist.controller.wait_for_upload(address, timeout=60)

    # NEWNYM purges each client's cached descriptor, as a fresh Tor Browser would.
    client1.new_identity()
    client2.new_identity()
    # Tor 0.4.9 says 0xF4 (missing) when no key it holds decrypts the new
    # descriptor; 0xF5 (bad) is the other refusal it may give for a wrong key.
    assert settled_reply(client1, address) in {CLIENT_AUTH_MISSING, CLIENT_AUTH_BAD}
    assert settled_reply(client2, address) == 0
    assert fetch(client2, address) == PAGE
