"""Publishing, republishing and removing onion services on one tor control connection (stem)."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType

import stem
import stem.connection
import stem.control
import stem.response
import stem.version

from securedrop.onion.circuits import close_circuit, rendezvous_circuits
from securedrop.onion.commands import AddOnion, Ports, add_onion, del_onion
from securedrop.onion.errors import (
    NoClientKeys,
    OnionError,
    PublishFailed,
    TorAuthFailed,
    TorTooOld,
    TorUnavailable,
)
from securedrop.onion.keys import normalize_onion_address

log = logging.getLogger(__name__)

# ClientAuthV3 in ADD_ONION appeared in tor 0.4.6.1-alpha: without it the
# journalist interface cannot be restricted to its authorized clients.
MIN_TOR_VERSION = "0.4.6.1"
#: Tor's usual ControlPort, used when neither a port nor a socket is given.
DEFAULT_CONTROL_PORT = 9051
# Proof-of-work onion-service defence (proposal 327) first shipped in 0.4.8.1-alpha.
POW_TOR_VERSION = "0.4.8.1"
_CONTROL_HINT = (
    "is tor running? With Debian's tor, set 'ControlPort 9051' and "
    "'CookieAuthentication 1' in /etc/tor/torrc and restart it "
    "(or use --launch-tor)"
)


@dataclass(frozen=True)
class PublishedService:
    """What this controller published: no key material, safe to log."""

    address: str
    ports: tuple[tuple[int, str, int], ...]
    authorized_clients: int | None  # None: no client authorization
    pow_defense: bool  # whether the PoW defence was actually enabled


# --------------------------------------------------------------------------
# the controller


class OnionController:
    """Publishes, republishes and removes onion services on one tor control connection.

    Services are tied to this connection (never detached): tor removes them
    when the connection closes, so a crashed server leaves nothing reachable
    behind it.
    """

    def __init__(self, controller: stem.control.Controller) -> None:
        self._controller = controller
        self._lock = threading.RLock()
        self._services: dict[str, PublishedService] = {}
        self._address_by_key: dict[str, str] = {}
        self._pow_over_control: bool | None = None  # None: not tried yet
        self.version = str(controller.get_version()).split(" ")[0]

    # -- connecting ---------------------------------------------------------

    @classmethod
    def connect(
        cls,
        control_port: int | None = None,
        control_socket: str | None = None,
        password: str | None = None,
        *,
        host: str = "127.0.0.1",
    ) -> OnionController:
        """Connect and authenticate (cookie, password or none, as tor offers)."""
        if control_port is not None and control_socket is not None:
            raise ValueError("give a control port or a control socket, not both")
        port = control_port or DEFAULT_CONTROL_PORT
        where = control_socket or f"{host}:{port}"
        _probe(port, control_socket, host, where)
        try:
            if control_socket is not None:
                controller = stem.control.Controller.from_socket_file(control_socket)
            else:
                controller = stem.control.Controller.from_port(address=host, port=port)
        except stem.SocketError as exc:
            raise TorUnavailable(f"cannot reach tor's control port at {where} ({exc}): {_CONTROL_HINT}") from None
        try:
            _authenticate(controller, password, where)
            onion = cls(controller)
        except BaseException:
            controller.close()
            raise
        onion._require_version(MIN_TOR_VERSION, "client authorization through ADD_ONION")
        return onion

    def _require_version(self, minimum: str, feature: str) -> None:
        if not self._tor_at_least(minimum):
            self.close()
            raise TorTooOld(f"tor {self.version} is too old for {feature}: install tor {minimum} or newer")

    def _tor_at_least(self, minimum: str) -> bool:
        return bool(self._controller.get_version() >= stem.version.Version(minimum))

    # -- publishing ---------------------------------------------------------

    def publish(
        self,
        service_key: str,
        ports: Ports,
        client_auth_public_keys: Sequence[str] | None = None,
        pow_defense: bool = False,
    ) -> str:
        """Publish a v3 service and return its 56-character address (no '.onion').

        client_auth_public_keys=None publishes without client authorization; a
        list requires it, and an empty list is refused (NoClientKeys) so the
        journalist interface is never published open.
        """
        request = add_onion(service_key, ports, client_auth_public_keys, pow_defense)
        with self._lock:
            return self._add(request)

    def republish(
        self,
        service_key: str,
        ports: Ports,
        client_auth_public_keys: Sequence[str] | None = None,
        pow_defense: bool = False,
    ) -> str:
        """Remove the service published with this key, then publish it again.

        Tor refuses to re-add a key that is still published, hence the removal.
        Inputs are validated before anything is removed; but if the new key list
        is empty, or tor refuses the new service, the service stays removed: a
        revoked key must stop working even when nothing replaces it.
        """
        try:
            request: AddOnion | None = add_onion(service_key, ports, client_auth_public_keys, pow_defense)
        except NoClientKeys:
            request = None
        with self._lock:
            target = self._address_by_key.get(service_key)
            if target is not None:
                self._delete(target, missing_ok=True)
            if request is None:
                raise NoClientKeys(
                    "the last client key was revoked: the service is removed and stays "
                    "unpublished until a key is issued"
                )
            return self._add(request)

    def remove(self, address: str) -> None:
        """Stop publishing the service at `address` (with or without '.onion')."""
        with self._lock:
            self._delete(normalize_onion_address(address), missing_ok=False)

    def remove_all(self) -> None:
        """Remove every service this controller published."""
        with self._lock:
            for address in list(self._services):
                self._delete(address, missing_ok=True)

    def close_rendezvous_circuits(self, address: str) -> int:
        """Close every rendezvous circuit of the service at `address`: each is one client's
        open connection. Returns how many were closed.

        DEL_ONION closes only a service's introduction circuits, and a client's open
        rendezvous circuit goes on carrying new streams to a service republished with
        the same key: a device whose key was revoked would stay connected. Which
        circuit belongs to which client cannot be told, so all of them close; devices
        still authorized reconnect on their next request.
        """
        with self._lock:
            try:
                status = str(self._controller.get_info("circuit-status"))
            except stem.SocketError as exc:
                raise TorUnavailable(f"lost the connection to tor: {exc}; {_CONTROL_HINT}") from None
            except stem.ControllerError as exc:
                raise OnionError(f"tor could not list its circuits: {exc}") from None
            circuits = rendezvous_circuits(status, address)
            for circuit_id in circuits:
                reply = self._msg(close_circuit(circuit_id))
                # A circuit may have closed by itself meanwhile: nothing left to do.
                if not reply.is_ok() and "Unknown circuit" not in str(reply):
                    raise OnionError(f"tor refused to close circuit {circuit_id}: {reply}")
        return len(circuits)

    def services(self) -> list[PublishedService]:
        """What this controller currently has published."""
        with self._lock:
            return list(self._services.values())

    @property
    def alive(self) -> bool:
        """False once the control connection is gone (tor stopped or restarted): every
        service published on it is gone with it."""
        return bool(self._controller.is_alive())

    def take_ownership(self) -> None:
        """Make tor exit when this control connection closes (for a tor we launched)."""
        self._command("TAKEOWNERSHIP")

    def close(self) -> None:
        """Close the connection; tor then drops every service it published."""
        self._controller.close()

    def __enter__(self) -> OnionController:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- internals ----------------------------------------------------------

    def _add(self, request: AddOnion) -> str:
        use_pow = request.pow_defense and self._pow_supported()
        reply = self._msg(request.command(with_pow=use_pow))
        if use_pow and not reply.is_ok() and "PoW" in str(reply):
            # This tor has the defence but its ADD_ONION lacks the keyword
            # (early 0.4.8 releases): publish anyway rather than leave sources
            # with nothing, and say so.
            log.warning(
                "tor %s does not take PoWDefensesEnabled in ADD_ONION; publishing without the proof-of-work defence",
                self.version,
            )
            self._pow_over_control = False
            use_pow = False
            reply = self._msg(request.command(with_pow=False))
        if not reply.is_ok():
            raise PublishFailed(_publish_failure(str(reply)))
        if use_pow:
            self._pow_over_control = True
        address = normalize_onion_address(_reply_value(reply, "ServiceID"))
        self._address_by_key[request.service_key] = address
        self._services[address] = PublishedService(
            address=address,
            ports=request.ports,
            authorized_clients=request.authorized_clients,
            pow_defense=use_pow,
        )
        return address

    def _pow_supported(self) -> bool:
        if self._pow_over_control is not None:
            return self._pow_over_control
        return self._tor_at_least(POW_TOR_VERSION)

    def _delete(self, address: str, missing_ok: bool) -> None:
        reply = self._msg(del_onion(address))
        if not reply.is_ok() and not (missing_ok and str(reply).startswith("Unknown")):
            raise PublishFailed(f"tor refused to remove {address}.onion: {reply}")
        self._services.pop(address, None)
        for key, published in list(self._address_by_key.items()):
            if published == address:
                del self._address_by_key[key]

    def _command(self, command: str) -> None:
        reply = self._msg(command)
        if not reply.is_ok():
            raise OnionError(f"tor refused {command.split(' ')[0]}: {reply}")

    def _msg(self, command: str) -> stem.response.ControlMessage:
        try:
            return self._controller.msg(command)
        except stem.SocketError as exc:
            raise TorUnavailable(f"lost the connection to tor: {exc}; {_CONTROL_HINT}") from None


def _probe(port: int, control_socket: str | None, host: str, where: str, timeout: float = 10.0) -> None:
    """Check, with a timeout, that tor's control protocol answers there.

    stem waits for replies without a timeout, so something else listening on
    the port (or a wedged tor) would hang `securedrop serve` forever.
    """
    try:
        if control_socket is not None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            sock.connect(control_socket)
        else:
            sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        raise TorUnavailable(
            f"cannot reach tor's control port at {where} ({exc.strerror or exc}): {_CONTROL_HINT}"
        ) from None
    try:
        with sock:
            sock.sendall(b"PROTOCOLINFO 1\r\n")
            first = sock.makefile("rb").readline(200)
    except OSError:
        first = b""
    if not first.startswith(b"250-PROTOCOLINFO"):
        raise TorUnavailable(f"{where} does not speak tor's control protocol: {_CONTROL_HINT}")


def _authenticate(controller: stem.control.Controller, password: str | None, where: str) -> None:
    try:
        controller.authenticate(password=password)
    except stem.connection.MissingPassword:
        raise TorAuthFailed(
            f"tor at {where} wants a control password and none was given: "
            "set the one matching HashedControlPassword in torrc"
        ) from None
    except stem.connection.PasswordAuthFailed:
        raise TorAuthFailed(
            f"tor at {where} rejected the control password: it must be the one hashed in torrc's HashedControlPassword"
        ) from None
    except stem.connection.UnreadableCookieFile as exc:
        raise TorAuthFailed(
            f"cannot read tor's control cookie {exc.cookie_path}: run as a "
            "user in the debian-tor group, or use a control password"
        ) from None
    except stem.connection.CookieAuthFailed as exc:
        raise TorAuthFailed(f"tor at {where} rejected cookie authentication: {exc}") from None
    except stem.connection.AuthenticationFailure as exc:
        raise TorAuthFailed(f"cannot authenticate to tor at {where}: {exc}") from None
    except (stem.SocketError, stem.ProtocolError) as exc:
        raise TorUnavailable(f"{where} does not speak tor's control protocol ({exc}): {_CONTROL_HINT}") from None


def _reply_value(reply: stem.response.ControlMessage, name: str) -> str:
    for _code, _divider, content in reply.content():
        if content.startswith(name + "="):
            return str(content.split("=", 1)[1])
    raise PublishFailed(f"tor's ADD_ONION reply had no {name}")


def _publish_failure(reply: str) -> str:
    if "collision" in reply.lower():
        return (
            "tor already publishes this onion service (another control connection, "
            "or a detached service from an earlier run): remove it first or restart tor"
        )
    return f"tor refused to publish the onion service: {reply}"

