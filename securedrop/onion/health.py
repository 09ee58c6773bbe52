"""Whether tor's control port answers and whether tor is connected, for `securedrop status`."""

from __future__ import annotations

import re
from dataclasses import dataclass

import stem
import stem.connection
import stem.control


@dataclass(frozen=True)
class TorHealth:
    """What one look at tor's control socket says."""

    reachable: bool
    version: str | None = None
    #: Tor's bootstrap percentage: 100 means connected to the Tor network.
    bootstrap: int = 0
    #: The operator (or a test) set DisableNetwork 1: tor never connects anywhere.
    network_disabled: bool = False
    problem: str | None = None


def tor_health(control_socket: str) -> TorHealth:
    """Connect, authenticate as tor offers (cookie), read version and bootstrap; never raises."""
    try:
        controller = stem.control.Controller.from_socket_file(control_socket)
    except stem.SocketError as exc:
        return TorHealth(reachable=False, problem=f"cannot reach tor's control socket {control_socket} ({exc})")
    try:
        controller.authenticate()
        phase = controller.get_info("status/bootstrap-phase")
        match = re.search(r"PROGRESS=(\d+)", phase)
        return TorHealth(
            reachable=True,
            version=str(controller.get_version()).split(" ")[0],
            bootstrap=int(match.group(1)) if match else 0,
            network_disabled=controller.get_conf("DisableNetwork") == "1",
        )
    except (stem.connection.AuthenticationFailure, stem.ControllerError) as exc:
        return TorHealth(reachable=False, problem=f"tor refused the status query ({exc})")
    finally:
        controller.close()
