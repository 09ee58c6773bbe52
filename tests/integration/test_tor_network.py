"""Onion services published by securedrop.onion, reached for real over a private Tor network."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from securedrop import onion
from tests.tor.network import PrivateTorNetwork, TorNode
from tests.tor.socks import CLIENT_AUTH_BAD, CLIENT_AUTH_MISSING, requests_session, settled_reply
from tests.tor.uploads import DescriptorUploads

pytestmark = pytest.mark.tor

PAGE = b"journalist interface\n"


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's parameter name)
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
    network: PrivateTorNetwork,
    controller: onion.OnionController,
    web_port: int,
    tmp_path_factory: pytest.TempPathFactory,
) -> Journalist:
    key_path = tmp_path_factory.mktemp("keys") / "journalist.key"
    service_key = onion.load_or_create_service_key(key_path)
    key1, key2 = onion.generate_client_keypair(), onion.generate_client_keypair()
    ports = {80: ("127.0.0.1", web_port)}
    with DescriptorUploads(network.service_control_port) as uploads:
        address = controller.publish(service_key, ports, [key1.public_b32, key2.public_b32])
        assert uploads.wait(address, timeout=60), "descriptor never uploaded"
    return Journalist(controller, service_key, ports, address, key1, key2)


@pytest.fixture(scope="module")
def clients(network: PrivateTorNetwork, journalist: Journalist) -> tuple[TorNode, TorNode]:
    client1, client2 = network.start_clients(["client1", "client2"])
    # Over the control port: a SIGHUP to reload key files kills a young tor.
    client1.add_client_auth(journalist.address, onion.private_key_base64(journalist.key1))
    client2.add_client_auth(journalist.address, onion.private_key_base64(journalist.key2))
    return client1, client2


def fetch(node: TorNode, address: str) -> bytes:
    with requests_session(node) as http:
        response = http.get(f"http://{address}.onion/", timeout=60)
    response.raise_for_status()
    return response.content


def test_every_node_is_confined_to_the_private_network(network: PrivateTorNetwork) -> None:
    for node in network.nodes:
        torrc = (node.data_dir / "torrc").read_text().splitlines()
        assert "TestingTorNetwork 1" in torrc and "UseDefaultFallbackDirs 0" in torrc
        assert "ExitRelay 0" in torrc and "ExitPolicy reject *:*" in torrc
        authorities = [line for line in torrc if line.startswith("DirAuthority ")]
        assert len(authorities) == network.n_authorities
        assert all(" 127.0.0.1:" in line for line in authorities)


def test_client_without_a_key_is_refused(network: PrivateTorNetwork, journalist: Journalist) -> None:
    assert network.client is not None
    assert settled_reply(network.client, journalist.address) == CLIENT_AUTH_MISSING


def test_clients_with_keys_fetch_the_page(journalist: Journalist, clients: tuple[TorNode, TorNode]) -> None:
    for client in clients:
        assert settled_reply(client, journalist.address) == 0
        assert fetch(client, journalist.address) == PAGE


def test_public_service_with_pow_defense_is_reachable_without_a_key(
    network: PrivateTorNetwork, controller: onion.OnionController, web_port: int
) -> None:
    assert network.client is not None
    with DescriptorUploads(network.service_control_port) as uploads:
        address = controller.publish(onion.generate_service_key(), {80: ("127.0.0.1", web_port)}, pow_defense=True)
        uploaded = uploads.wait(address, timeout=60)
    try:
        assert uploaded
        assert settled_reply(network.client, address) == 0
        assert fetch(network.client, address) == PAGE
    finally:
        controller.remove(address)


def test_revoked_key_stops_working_while_the_other_still_works(
    network: PrivateTorNetwork, journalist: Journalist, clients: tuple[TorNode, TorNode]
) -> None:
    client1, client2 = clients
    assert settled_reply(client1, journalist.address) == 0

    with DescriptorUploads(network.service_control_port) as uploads:
        address = journalist.controller.republish(
            journalist.service_key, journalist.ports, [journalist.key2.public_b32]
        )
        assert address == journalist.address
        assert uploads.wait(address, timeout=60)

    # NEWNYM purges each client's cached descriptor, as a fresh Tor Browser would.
    client1.new_identity()
    client2.new_identity()
    # Tor 0.4.9 says 0xF4 (missing) when no key it holds decrypts the new
    # descriptor; 0xF5 (bad) is the other refusal it may give for a wrong key.
    assert settled_reply(client1, address) in {CLIENT_AUTH_MISSING, CLIENT_AUTH_BAD}
    assert settled_reply(client2, address) == 0
    assert fetch(client2, address) == PAGE
