"""Building ADD_ONION and DEL_ONION control commands from validated input (no tor needed)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from securedrop.onion.errors import InvalidClientKey, InvalidTarget, NoClientKeys
from securedrop.onion.keys import check_service_key, normalize_onion_address, validate_public_key

#: Virtual port -> (loopback host, port) the service forwards to.
Ports = Mapping[int, tuple[str, int]]


def _valid_port(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 65536


def _port_argument(virtual_port: int, target: tuple[str, int]) -> str:
    host, port = target
    if not _valid_port(virtual_port) or not _valid_port(port):
        raise InvalidTarget(f"ports must be 1-65535: {virtual_port} -> {target}")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        raise InvalidTarget(f"target host must be a loopback IP address: {host!r}") from None
    # Both apps bind to loopback only; tor forwarding to any other host
    # would expose a service beyond this machine or a neighbour's.
    if not ip.is_loopback:
        raise InvalidTarget(f"target host must be loopback, not {host}")
    address = f"[{ip}]" if ip.version == 6 else str(ip)
    return f"Port={virtual_port},{address}:{port}"


def _port_arguments(ports: Ports) -> tuple[str, ...]:
    if not ports:
        raise InvalidTarget("an onion service needs at least one port")
    return tuple(_port_argument(virtual, target) for virtual, target in sorted(ports.items()))


def _client_auth_arguments(keys: Sequence[str] | None) -> tuple[str, ...]:
    if keys is None:
        return ()
    if isinstance(keys, str):
        raise InvalidClientKey("client keys must be a list of keys, not one string")
    canonical = list(dict.fromkeys(validate_public_key(key) for key in keys))
    if not canonical:
        raise NoClientKeys(
            "refusing to publish an onion service that requires client authorization "
            "with no authorized client keys; issue a journalist key first"
        )
    return tuple(f"ClientAuthV3={key}" for key in canonical)


@dataclass(frozen=True)
class AddOnion:
    """A validated ADD_ONION request; `command()` renders it for tor's control port."""

    service_key: str = field(repr=False)  # secret: keep out of tracebacks and logs
    port_args: tuple[str, ...]
    auth_args: tuple[str, ...]
    ports: tuple[tuple[int, str, int], ...]
    pow_defense: bool

    @property
    def authorized_clients(self) -> int | None:
        """How many client keys may connect; None when the service is open to anyone."""
        return len(self.auth_args) if self.auth_args else None

    def command(self, *, with_pow: bool) -> str:
        # DiscardPK: the key is ours already (a file we keep); tor need not echo it back.
        flags = ["DiscardPK"]
        if self.auth_args:
            flags.append("V3Auth")
        parts = ["ADD_ONION", self.service_key, "Flags=" + ",".join(flags)]
        if with_pow:
            parts.append("PoWDefensesEnabled=1")
        return " ".join(parts + list(self.port_args) + list(self.auth_args))


def add_onion(
    service_key: str, ports: Ports, client_auth_public_keys: Sequence[str] | None, pow_defense: bool
) -> AddOnion:
    """Validate everything first: nothing unchecked reaches a raw control command.

    Raises:
        CorruptKey: the service key is not an ED25519-V3 key.
        InvalidTarget: a port is out of range or a target is not loopback.
        InvalidClientKey: a client key is malformed.
        NoClientKeys: client authorization was asked for with an empty key list.
    """
    check_service_key(service_key)
    return AddOnion(
        service_key=service_key,
        port_args=_port_arguments(ports),
        auth_args=_client_auth_arguments(client_auth_public_keys),
        ports=tuple((v, h, p) for v, (h, p) in sorted(ports.items())),
        pow_defense=pow_defense,
    )


def del_onion(address: str) -> str:
    """The DEL_ONION command for `address` (with or without '.onion').

    Raises:
        InvalidAddress: not a v3 onion address with a valid checksum.
    """
    return f"DEL_ONION {normalize_onion_address(address)}"
