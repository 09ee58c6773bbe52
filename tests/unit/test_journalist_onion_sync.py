"""`serve` keeps the journalist onion in step with the issued keys, and a revoke also ends
the connections already open (the private-network proof is in tests/integration)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from securedrop import onion
from securedrop.serving import JournalistOnion

ADDRESS = "a" * 56


class RecordingController:
    """Stands in for tor's control port: records what `serve` asks of it, in order."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def republish(self, _key: str, _ports: onion.Ports, keys: Sequence[str] | None = None) -> str:
        self.calls.append(f"republish {len(keys or [])}")
        return ADDRESS

    def remove(self, address: str) -> None:
        self.calls.append(f"remove {address}")

    def close_rendezvous_circuits(self, address: str) -> int:
        self.calls.append(f"close {address}")
        return 2


def journalist_onion(tmp_path: Path) -> tuple[JournalistOnion, RecordingController]:
    controller = RecordingController()
    return JournalistOnion(controller, "key", 8081, tmp_path), controller  # type: ignore[arg-type]  # a recording stand-in


def test_issuing_keys_closes_no_connection(tmp_path: Path) -> None:
    journalist, controller = journalist_onion(tmp_path)
    assert journalist.sync(["k1"]) and journalist.sync(["k1", "k2"])
    assert controller.calls == ["republish 1", "republish 2"]
    assert journalist.closed_connections == 0
    assert not journalist.sync(["k1", "k2"])


def test_a_revoke_closes_open_connections_after_republishing(tmp_path: Path) -> None:
    journalist, controller = journalist_onion(tmp_path)
    journalist.sync(["k1", "k2"])
    assert journalist.sync(["k2"])
    assert controller.calls[1:] == ["republish 1", f"close {ADDRESS}"]
    assert journalist.closed_connections == 2
    # Revoking the last key removes the service, and still ends what was open.
    assert journalist.sync([])
    assert controller.calls[3:] == [f"remove {ADDRESS}", f"close {ADDRESS}"]
    assert journalist.address is None
