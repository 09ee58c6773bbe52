"""Finding an onion service's rendezvous circuits in tor's circuit-status (no tor needed)."""

from __future__ import annotations

import re

from securedrop.onion.keys import normalize_onion_address

_CIRCUIT_ID = re.compile(r"[0-9]{1,16}")

#: The purpose tor gives the service side of a rendezvous: one per connected client.
SERVICE_REND_PURPOSE = "HS_SERVICE_REND"


def rendezvous_circuits(circuit_status: str, address: str) -> list[str]:
    """The ids of the service-side rendezvous circuits of `address`, from the value of
    `GETINFO circuit-status`.

    Each line reads "<id> <status> [<path>] KEY=VALUE ...": the path is absent while a
    circuit is being launched, so fields are matched by key, not by position.

    Raises:
        InvalidAddress: `address` is not a v3 onion address.
    """
    target = normalize_onion_address(address)
    found = []
    for line in circuit_status.splitlines():
        fields = line.split()
        if len(fields) < 2 or not _CIRCUIT_ID.fullmatch(fields[0]):
            continue
        values = dict(field.split("=", 1) for field in fields[2:] if "=" in field)
        if values.get("PURPOSE") == SERVICE_REND_PURPOSE and values.get("REND_QUERY", "").lower() == target:
            found.append(fields[0])
    return found


def close_circuit(circuit_id: str) -> str:
    """The CLOSECIRCUIT command for one circuit id (digits only: it reaches tor raw)."""
    if not _CIRCUIT_ID.fullmatch(circuit_id):
        raise ValueError(f"not a circuit id: {circuit_id!r}")
    return f"CLOSECIRCUIT {circuit_id}"
