"""Which of tor's circuits are an onion service's rendezvous circuits."""

from __future__ import annotations

import os

import pytest

from securedrop.onion.circuits import close_circuit, rendezvous_circuits
from securedrop.onion.errors import OnionError
from securedrop.onion.keys import onion_address_from_public_key

ADDRESS = onion_address_from_public_key(os.urandom(32))
OTHER = onion_address_from_public_key(os.urandom(32))

# Shaped as tor 0.4.8 prints GETINFO circuit-status (paths shortened).
STATUS = "\n".join([
    f"7 BUILT $AA~relay0,$BB~relay1 BUILD_FLAGS=IS_INTERNAL,NEED_CAPACITY PURPOSE=HS_SERVICE_REND "
    f"HS_STATE=HSSR_JOINED REND_QUERY={ADDRESS} TIME_CREATED=2026-12-02T19:00:00.000000",
    f"8 BUILT $AA~relay0 BUILD_FLAGS=IS_INTERNAL PURPOSE=HS_SERVICE_INTRO HS_STATE=HSSI_ESTABLISHED "
    f"REND_QUERY={ADDRESS} TIME_CREATED=2026-12-02T19:00:00.000000",
    f"9 BUILT $CC~relay2 BUILD_FLAGS=IS_INTERNAL PURPOSE=HS_SERVICE_REND HS_STATE=HSSR_JOINED "
    f"REND_QUERY={OTHER} TIME_CREATED=2026-12-02T19:00:00.000000",
    f"12 LAUNCHED BUILD_FLAGS=IS_INTERNAL PURPOSE=HS_SERVICE_REND HS_STATE=HSSR_CONNECTING "
    f"REND_QUERY={ADDRESS} TIME_CREATED=2026-12-02T19:00:01.000000",
    "13 BUILT $AA~relay0,$BB~relay1,$CC~relay2 BUILD_FLAGS=NEED_CAPACITY PURPOSE=GENERAL",
])


def test_only_the_services_rendezvous_circuits_are_picked() -> None:
    # Not its introduction circuit, not another service's, and a circuit still being
    # launched (no path yet) is found too.
    assert rendezvous_circuits(STATUS, ADDRESS) == ["7", "12"]
    assert rendezvous_circuits(STATUS, f"{OTHER}.onion") == ["9"]
    assert rendezvous_circuits("", ADDRESS) == []


def test_a_bad_address_or_circuit_id_never_reaches_tor() -> None:
    with pytest.raises(OnionError):
        rendezvous_circuits(STATUS, "not-an-onion")
    assert close_circuit("12") == "CLOSECIRCUIT 12"
    for bad in ("", "12 IfUnused", "1\r\nSIGNAL HALT", "²"):
        with pytest.raises(ValueError):
            close_circuit(bad)
