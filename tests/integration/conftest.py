"""One private Tor network on 127.0.0.1 for every Tor integration test of the run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.tor.network import PrivateTorNetwork


@pytest.fixture(scope="session")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateTorNetwork]:
    net = PrivateTorNetwork(tmp_path_factory.mktemp("tornet"))
    net.start(timeout=400)  # a loaded 2-core CI machine has needed more than 120 s
    try:
        yield net
    finally:
        net.stop()
