"""securedrop.onion against a real tor that never touches a network (DisableNetwork 1)."""

from __future__ import annotations

import base64
import os
import re
import socket
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from securedrop import onion
from securedrop.onion.commands import add_onion, del_onion
from securedrop.onion.keys import _expand_seed
from tests.tor.network import free_ports
from tests.tor.standalone import StandaloneTor
from tests.tor.uploads import DescriptorUploads

PORTS = {80: ("127.0.0.1", 8080)}
JOURNALIST_PORTS = {80: ("127.0.0.1", 8081)}


@pytest.fixture(scope="module")
def tor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandaloneTor]:
    with StandaloneTor(tmp_path_factory.mktemp("tor")) as running:
        yield running


@pytest.fixture
def controller(tor: StandaloneTor) -> Iterator[onion.OnionController]:
    ctrl = onion.OnionController.connect(control_port=tor.control_port)
    try:
        yield ctrl
    finally:
        ctrl.remove_all()
        ctrl.close()


@pytest.fixture
def service_key(tmp_path: Path) -> str:
    return onion.load_or_create_service_key(tmp_path / "keys" / "service.key")


# -- publishing -----------------------------------------------------------------


def test_publish_gives_the_same_address_for_a_persisted_key(
    tor: StandaloneTor, controller: onion.OnionController, tmp_path: Path
) -> None:
    key_path = tmp_path / "keys" / "source.key"
    first = controller.publish(onion.load_or_create_service_key(key_path), PORTS)
    controller.remove(first)

    # A restart: the key comes back from disk, and so does the address.
    with onion.OnionController.connect(control_port=tor.control_port) as again:
        second = again.publish(onion.load_or_create_service_key(key_path), PORTS)
    assert second == first
    assert len(first) == 56 and onion.normalize_onion_address(first) == first


def test_generated_key_is_tors_expanded_ed25519_key(controller: onion.OnionController) -> None:
    seed = bytes(range(32))
    blob = "ED25519-V3:" + base64.b64encode(_expand_seed(seed)).decode()
    public = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()

    assert controller.publish(blob, PORTS) == onion.onion_address_from_public_key(public)


def test_keys_tor_generates_pass_our_check(tor: StandaloneTor) -> None:
    conn = tor.control()
    try:
        lines = conn.command("ADD_ONION NEW:ED25519-V3 Port=80,127.0.0.1:9")
        service_id = lines[0].split("=", 1)[1]
        private = next(line.split("=", 1)[1] for line in lines if line.startswith("PrivateKey="))
        conn.command(f"DEL_ONION {service_id}")
    finally:
        conn.close()
    assert onion.check_service_key(private) == private


def test_publish_is_tied_to_the_control_connection(tor: StandaloneTor, service_key: str) -> None:
    ctrl = onion.OnionController.connect(control_port=tor.control_port)
    ctrl.publish(service_key, PORTS)
    assert tor.is_published(service_key)
    ctrl.close()
    # Tor drops a non-detached service with its connection: a crashed server
    # leaves nothing published.
    assert _eventually(lambda: not tor.is_published(service_key))


def test_client_auth_publish_then_republish_with_other_keys(
    tor: StandaloneTor, controller: onion.OnionController, service_key: str
) -> None:
    k1, k2, k3 = (onion.generate_client_keypair() for _ in range(3))
    address = controller.publish(service_key, JOURNALIST_PORTS, [k1.public_b32, k2.public_b32])

    again = controller.republish(service_key, JOURNALIST_PORTS, [k2.public_b32, k3.public_b32])

    assert again == address
    assert tor.is_published(service_key)
    [service] = controller.services()
    assert service.address == address and service.authorized_clients == 2


def test_publishing_a_published_key_again_is_an_address_collision(
    controller: onion.OnionController, service_key: str
) -> None:
    controller.publish(service_key, PORTS)
    with pytest.raises(onion.PublishFailed, match="already publishes"):
        controller.publish(service_key, PORTS)


def test_refuses_client_auth_with_no_keys(
    tor: StandaloneTor, controller: onion.OnionController, service_key: str
) -> None:
    with pytest.raises(onion.NoClientKeys):
        controller.publish(service_key, JOURNALIST_PORTS, [])
    assert not tor.is_published(service_key)
    assert controller.services() == []


def test_revoking_the_last_key_takes_the_service_down(
    tor: StandaloneTor, controller: onion.OnionController, service_key: str
) -> None:
    key = onion.generate_client_keypair()
    controller.publish(service_key, JOURNALIST_PORTS, [key.public_b32])

    with pytest.raises(onion.NoClientKeys):
        controller.republish(service_key, JOURNALIST_PORTS, [])

    # The revoked key must stop working even though nothing replaces it.
    assert not tor.is_published(service_key)


def test_bad_input_to_republish_leaves_the_service_alone(
    tor: StandaloneTor, controller: onion.OnionController, service_key: str
) -> None:
    key = onion.generate_client_keypair()
    controller.publish(service_key, JOURNALIST_PORTS, [key.public_b32])

    with pytest.raises(onion.InvalidClientKey):
        controller.republish(service_key, JOURNALIST_PORTS, [key.public_b32, "not a key"])
    with pytest.raises(onion.InvalidTarget):
        controller.republish(service_key, {80: ("10.0.0.1", 8081)}, [key.public_b32])

    assert tor.is_published(service_key)


@pytest.mark.parametrize(
    "ports", [{}, {80: ("192.0.2.1", 80)}, {80: ("localhost", 80)}, {0: ("127.0.0.1", 80)}, {80: ("127.0.0.1", 70000)}]
)
def test_refuses_targets_off_loopback_or_malformed(
    controller: onion.OnionController, service_key: str, ports: onion.Ports
) -> None:
    with pytest.raises(onion.InvalidTarget):
        controller.publish(service_key, ports)


def test_key_material_cannot_inject_control_commands(controller: onion.OnionController, service_key: str) -> None:
    with pytest.raises(onion.InvalidClientKey):
        controller.publish(service_key, PORTS, ["A" * 52 + "\r\nSIGNAL HALT"])
    with pytest.raises(onion.CorruptKey):
        controller.publish(service_key + " Flags=Detach", PORTS)


def test_pow_defense_is_enabled_on_this_tor(controller: onion.OnionController, service_key: str) -> None:
    controller.publish(service_key, PORTS, pow_defense=True)
    [service] = controller.services()
    assert service.pow_defense is True  # Debian's tor (>= 0.4.8) takes PoWDefensesEnabled


def test_a_service_left_detached_by_an_earlier_run_is_a_clear_collision(
    tor: StandaloneTor, controller: onion.OnionController, service_key: str
) -> None:
    # A detached service outlives the connection that published it (here a
    # connection of the test's own, as an earlier run or another tool would).
    address = tor.publish_detached(service_key)

    with pytest.raises(onion.PublishFailed, match="detached service from an earlier run"):
        controller.publish(service_key, PORTS)
    controller.remove(address)  # what the message tells the operator to do
    assert not tor.is_published(service_key)
    assert controller.publish(service_key, PORTS) == address


def test_a_service_published_offline_is_never_uploaded(tor: StandaloneTor, service_key: str) -> None:
    with DescriptorUploads(tor.control_port) as uploads, onion.OnionController.connect(
        control_port=tor.control_port
    ) as controller:
        address = controller.publish(service_key, PORTS)
        assert uploads.wait(address, timeout=0.1) is False  # DisableNetwork: no HSDir
    assert 0 <= tor.node.bootstrap_progress() < 100


def test_remove_of_an_unknown_service_fails_clearly(controller: onion.OnionController) -> None:
    unknown = onion.onion_address_from_public_key(bytes(32))
    with pytest.raises(onion.PublishFailed, match="refused to remove"):
        controller.remove(unknown + ".onion")


# -- commands (no tor) ------------------------------------------------------------


def test_add_onion_command_for_the_journalist_onion(service_key: str) -> None:
    k1, k2 = onion.generate_client_keypair(), onion.generate_client_keypair()
    request = add_onion(service_key, {80: ("::1", 8081)}, [k1.public_b32, k2.public_b32.lower(), k1.public_b32], False)

    assert request.authorized_clients == 2  # the same key twice authorizes one client
    assert request.command(with_pow=False) == (
        f"ADD_ONION {service_key} Flags=DiscardPK,V3Auth Port=80,[::1]:8081 "
        f"ClientAuthV3={k1.public_b32} ClientAuthV3={k2.public_b32}"
    )
    assert service_key not in repr(request)


def test_add_onion_command_for_the_source_onion(service_key: str) -> None:
    request = add_onion(service_key, {443: ("127.0.0.1", 8443), 80: ("127.0.0.1", 8080)}, None, True)

    assert request.authorized_clients is None
    assert request.command(with_pow=True) == (
        f"ADD_ONION {service_key} Flags=DiscardPK PoWDefensesEnabled=1 "
        "Port=80,127.0.0.1:8080 Port=443,127.0.0.1:8443"
    )


def test_del_onion_command_takes_a_checked_address() -> None:
    address = onion.onion_address_from_public_key(bytes(range(32)))
    assert del_onion(address.upper() + ".onion") == f"DEL_ONION {address}"
    with pytest.raises(onion.InvalidAddress):
        del_onion("x" * 56 + "\r\nSIGNAL HALT")


# -- connecting -----------------------------------------------------------------


def test_closed_control_port_is_tor_unavailable() -> None:
    [port] = free_ports(1)
    with pytest.raises(onion.TorUnavailable, match="ControlPort 9051"):
        onion.OnionController.connect(control_port=port)


def test_missing_control_socket_is_tor_unavailable(tmp_path: Path) -> None:
    with pytest.raises(onion.TorUnavailable, match="is tor running"):
        onion.OnionController.connect(control_socket=str(tmp_path / "control"))


def test_something_else_on_the_port_is_tor_unavailable() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(10)
    port = server.getsockname()[1]

    def answer_like_a_web_server() -> None:
        conn, _ = server.accept()
        with conn:
            conn.recv(1024)
            conn.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\n")

    thread = threading.Thread(target=answer_like_a_web_server, daemon=True)
    thread.start()
    try:
        with pytest.raises(onion.TorUnavailable, match="control protocol"):
            onion.OnionController.connect(control_port=port)
    finally:
        thread.join(timeout=15)
        server.close()


def test_wrong_control_password_is_tor_auth_failed(tmp_path: Path) -> None:
    with StandaloneTor(tmp_path / "tor", password="correct horse battery") as tor:
        with pytest.raises(onion.TorAuthFailed, match="rejected the control password"):
            onion.OnionController.connect(control_port=tor.control_port, password="wrong")
        with pytest.raises(onion.TorAuthFailed, match="wants a control password"):
            onion.OnionController.connect(control_port=tor.control_port)
        with onion.OnionController.connect(control_port=tor.control_port, password="correct horse battery") as ctrl:
            assert ctrl.version


def test_launch_tor_starts_a_tor_that_dies_with_its_controller(tmp_path: Path) -> None:
    controller, process = onion.launch_tor(tmp_path / "data", disable_network=True)
    try:
        assert stat.S_IMODE((tmp_path / "data" / "tor").stat().st_mode) == 0o700
        address = controller.publish(onion.generate_service_key(), PORTS)
        assert len(address) == 56
        controller.close()
        # TAKEOWNERSHIP: tor exits once the connection that launched it is gone.
        process.wait(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_launch_tor_reports_a_tor_that_cannot_start(tmp_path: Path) -> None:
    with pytest.raises(onion.TorLaunchFailed, match="cannot run"):
        onion.launch_tor(tmp_path, disable_network=True, tor_binary=str(tmp_path / "no-tor"))


def test_launch_tor_reports_a_tor_that_exits_with_its_log(tmp_path: Path) -> None:
    fake = tmp_path / "fake-tor"
    fake.write_text("#!/bin/sh\necho 'Failed to parse/validate config: bad option'\nexit 1\n")
    fake.chmod(0o700)
    with pytest.raises(onion.TorLaunchFailed, match=r"(?s)exited with status 1.*bad option"):
        onion.launch_tor(tmp_path / "data", disable_network=True, tor_binary=str(fake))


# -- service key files ----------------------------------------------------------


def test_service_key_file_is_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "onion" / "source.key"
    key = onion.load_or_create_service_key(path)

    assert key.startswith("ED25519-V3:") and len(key) == len("ED25519-V3:") + 88
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert onion.load_or_create_service_key(path) == key
    assert [p.name for p in path.parent.iterdir()] == ["source.key"]  # no temp files left


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"garbage\n",
        b"ED25519-V3:",
        b"ED25519-V3:not base64!!",
        b"ED25519-V3:" + base64.b64encode(bytes(63)),
        b"ED25519-V3:" + base64.b64encode(bytes(64)),
        b"RSA1024:" + base64.b64encode(bytes(64)),
        b"\xff\xfe\x00binary",
    ],
)
def test_corrupt_service_key_file_is_refused_not_replaced(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "source.key"
    path.write_bytes(content)
    os.chmod(tmp_path, 0o700)

    with pytest.raises(onion.CorruptKey, match="source.key"):
        onion.load_or_create_service_key(path)
    assert path.read_bytes() == content


def test_key_directory_writable_by_others_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    with pytest.raises(onion.InsecurePermissions, match="chmod 700"):
        onion.load_or_create_service_key(shared / "source.key")


def test_key_file_readable_by_others_is_tightened(tmp_path: Path) -> None:
    os.chmod(tmp_path, 0o700)
    path = tmp_path / "source.key"
    path.write_text(onion.generate_service_key() + "\n")
    os.chmod(path, 0o644)
    onion.load_or_create_service_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# -- client keys ----------------------------------------------------------------

B32 = re.compile(r"[A-Z2-7]{52}")


def test_client_key_halves_are_52_characters_of_base32() -> None:
    key = onion.generate_client_keypair()
    assert B32.fullmatch(key.public_b32) and B32.fullmatch(key.private_b32)
    assert key.public_b32 != key.private_b32
    assert onion.client_key_from_private(key.private_b32) == key
    assert onion.generate_client_keypair() != key


def test_client_key_repr_hides_the_private_half() -> None:
    key = onion.generate_client_keypair()
    assert key.private_b32 not in repr(key) and key.public_b32 in repr(key)


def test_private_key_base64_is_the_same_32_bytes() -> None:
    key = onion.generate_client_keypair()
    b64 = onion.private_key_base64(key)
    assert len(b64) == 44
    assert base64.b64decode(b64) == base64.b32decode(key.private_b32 + "====")


def test_auth_private_file_text() -> None:
    key = onion.generate_client_keypair()
    address = onion.onion_address_from_public_key(bytes(range(32)))

    text = onion.auth_private_file_text(address + ".onion", key)

    assert text == f"{address}:descriptor:x25519:{key.private_b32}\n"
    assert re.fullmatch(r"[a-z2-7]{56}:descriptor:x25519:[A-Z2-7]{52}\n", text)


@pytest.mark.parametrize(
    "bad", ["", "A" * 51, "A" * 53, "A" * 51 + "1", "a" * 51 + "B", "A" * 51 + "=", "A" * 52 + " B"]
)
def test_invalid_public_keys_are_refused(bad: str) -> None:
    with pytest.raises(onion.InvalidClientKey):
        onion.validate_public_key(bad)


def test_public_key_is_canonicalised() -> None:
    key = onion.generate_client_keypair()
    assert onion.validate_public_key(" " + key.public_b32.lower() + "\n") == key.public_b32


def test_onion_address_checksum_is_verified() -> None:
    good = onion.onion_address_from_public_key(bytes(range(32)))
    assert onion.normalize_onion_address(good.upper() + ".ONION") == good
    broken = good[:-4] + ("a" if good[-4] != "a" else "b") + good[-3:]
    with pytest.raises(onion.InvalidAddress):
        onion.normalize_onion_address(broken)
    with pytest.raises(onion.InvalidAddress):
        onion.auth_private_file_text("example.com", onion.generate_client_keypair())


def test_errors_share_one_base_class() -> None:
    for error in (
        onion.TorUnavailable,
        onion.TorLaunchFailed,
        onion.TorAuthFailed,
        onion.TorTooOld,
        onion.CorruptKey,
        onion.InsecurePermissions,
        onion.InvalidClientKey,
        onion.InvalidAddress,
        onion.InvalidTarget,
        onion.NoClientKeys,
        onion.PublishFailed,
    ):
        assert issubclass(error, onion.OnionError)


def _eventually(check: object, timeout: float = 5.0) -> bool:
    assert callable(check)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return bool(check())
