"""Tor onion services through tor's control port: the project's only importer of stem."""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import logging
import os
import re
import secrets
import socket
import stat
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import stem
import stem.connection
import stem.control
import stem.response
import stem.response.events
import stem.version
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

log = logging.getLogger(__name__)

# ClientAuthV3 in ADD_ONION appeared in tor 0.4.6.1-alpha: without it the
# journalist interface cannot be restricted to its authorized clients.
MIN_TOR_VERSION = "0.4.6.1"
# Proof-of-work onion-service defence (proposal 327) first shipped in 0.4.8.1-alpha.
POW_TOR_VERSION = "0.4.8.1"

SERVICE_KEY_TYPE = "ED25519-V3"
_SERVICE_KEY_PREFIX = SERVICE_KEY_TYPE + ":"
_ONION_CHECKSUM_PREFIX = b".onion checksum"
_ONION_VERSION = b"\x03"
_B32_KEY_LEN = 52  # base32 of 32 bytes, unpadded
_CONTROL_HINT = (
    "is tor running? With Debian's tor, set 'ControlPort 9051' and "
    "'CookieAuthentication 1' in /etc/tor/torrc and restart it "
    "(or use --launch-tor)"
)


class OnionError(Exception):
    """Base class of every error this module raises; its message is for the operator."""


class TorUnavailable(OnionError):
    """Tor's control port or socket cannot be reached, or does not speak tor's protocol."""


class TorLaunchFailed(TorUnavailable):
    """A tor process started by launch_tor exited or never opened its control port."""


class TorAuthFailed(OnionError):
    """Tor refused our control credentials (wrong password, unreadable cookie)."""


class TorTooOld(OnionError):
    """The tor behind the control port lacks a feature this module relies on."""


class CorruptKey(OnionError):
    """An onion service key file exists but cannot be read or is not a valid key."""


class InsecurePermissions(OnionError):
    """A key directory is writable by other users, so a key could be swapped."""


class InvalidClientKey(OnionError):
    """A client-authorization key is not 32 bytes of unpadded base32."""


class InvalidAddress(OnionError):
    """A string is not a valid v3 onion address."""


class InvalidTarget(OnionError):
    """A port mapping is malformed or points somewhere other than loopback."""


class NoClientKeys(OnionError):
    """Client authorization was asked for with no keys: refusing to publish."""


class PublishFailed(OnionError):
    """Tor refused to add or remove an onion service."""


# --------------------------------------------------------------------------
# base32 / onion addresses


def _b32encode(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=")


def _b32decode(text: str, length: int) -> bytes | None:
    """Strict unpadded base32 decoding; None unless canonical and `length` bytes."""
    if not re.fullmatch(r"[A-Za-z2-7]+", text):
        return None
    upper = text.upper()
    try:
        raw = base64.b32decode(upper + "=" * (-len(upper) % 8))
    except binascii.Error:
        return None
    # Re-encoding rejects non-canonical spellings (stray low bits in the last
    # character), so one key has exactly one textual form in our database.
    if len(raw) != length or _b32encode(raw) != upper:
        return None
    return raw


def _onion_checksum(public_key: bytes) -> bytes:
    digest = hashlib.sha3_256(_ONION_CHECKSUM_PREFIX + public_key + _ONION_VERSION)
    return digest.digest()[:2]


def onion_address_from_public_key(public_key: bytes) -> str:
    """The 56-character v3 address (without '.onion') of an ed25519 public key."""
    if len(public_key) != 32:
        raise InvalidAddress("an ed25519 public key is 32 bytes")
    raw = public_key + _onion_checksum(public_key) + _ONION_VERSION
    return _b32encode(raw).lower()


def normalize_onion_address(address: str) -> str:
    """Lower-case 56-character v3 address without '.onion'; InvalidAddress otherwise."""
    text = address.strip().lower()
    text = text.removesuffix(".onion")
    raw = _b32decode(text, 35) if len(text) == 56 else None
    if raw is None or raw[34:] != _ONION_VERSION or _onion_checksum(raw[:32]) != raw[32:34]:
        raise InvalidAddress(f"not a v3 onion address: {address!r}")
    return text


# --------------------------------------------------------------------------
# client authorization keys (x25519)


@dataclass(frozen=True)
class ClientKey:
    """An x25519 client-authorization key pair, both halves unpadded base32."""

    public_b32: str
    # Kept out of repr so a logged or printed ClientKey never leaks the secret.
    private_b32: str = field(repr=False)


def generate_client_keypair() -> ClientKey:
    """A fresh x25519 key pair for one journalist device."""
    return _client_key_from_private(X25519PrivateKey.generate())


def client_key_from_private(private_b32: str) -> ClientKey:
    """Rebuild a ClientKey (and so its public half) from its base32 private half."""
    raw = _b32decode(private_b32.strip(), 32)
    if raw is None:
        raise InvalidClientKey("a private client key is 52 characters of base32")
    return _client_key_from_private(X25519PrivateKey.from_private_bytes(raw))


def _client_key_from_private(private: X25519PrivateKey) -> ClientKey:
    raw_private = private.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    raw_public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return ClientKey(public_b32=_b32encode(raw_public), private_b32=_b32encode(raw_private))


def validate_public_key(public_b32: str) -> str:
    """The canonical (upper-case) form of a base32 x25519 public key, or InvalidClientKey."""
    text = public_b32.strip()
    if _b32decode(text, 32) is None:
        raise InvalidClientKey(f"a client public key is {_B32_KEY_LEN} characters of base32 (A-Z, 2-7)")
    return text.upper()


def auth_private_file_text(onion_address: str, key: ClientKey) -> str:
    """Contents of the `.auth_private` file Tor Browser and ClientOnionAuthDir read."""
    address = normalize_onion_address(onion_address)
    return f"{address}:descriptor:x25519:{key.private_b32}\n"


def private_key_base64(key: ClientKey) -> str:
    """The private half in the base64 form ONION_CLIENT_AUTH_ADD expects."""
    raw = _b32decode(key.private_b32, 32)
    if raw is None:
        raise InvalidClientKey("a private client key is 52 characters of base32")
    return base64.b64encode(raw).decode("ascii")


# --------------------------------------------------------------------------
# onion service keys (ed25519, tor's expanded form)


def generate_service_key() -> str:
    """A new ED25519-V3 key blob, in the form tor's ADD_ONION takes and returns."""
    return _SERVICE_KEY_PREFIX + base64.b64encode(_expand_seed(secrets.token_bytes(32))).decode()


def _expand_seed(seed: bytes) -> bytes:
    """Tor's 64-byte expanded ed25519 secret: SHA-512 of the seed, scalar clamped."""
    expanded = bytearray(hashlib.sha512(seed).digest())
    expanded[0] &= 248
    expanded[31] &= 127
    expanded[31] |= 64
    return bytes(expanded)


def check_service_key(blob: str) -> str:
    """The blob itself if it is a well-formed ED25519-V3 key; CorruptKey otherwise."""
    if not blob.startswith(_SERVICE_KEY_PREFIX):
        raise CorruptKey(f"an onion service key starts with {_SERVICE_KEY_PREFIX!r}")
    body = blob[len(_SERVICE_KEY_PREFIX) :]
    try:
        raw = base64.b64decode(body, validate=True)
    except binascii.Error:
        raw = b""
    # A clamped scalar has its low 3 bits clear, bit 255 clear and bit 254 set;
    # anything else is not a key tor generated, so the file was damaged.
    if len(raw) != 64 or raw[0] & 7 or raw[31] & 128 or not raw[31] & 64:
        raise CorruptKey("the onion service key is not a valid ED25519-V3 key")
    return blob


def load_or_create_service_key(path: str | os.PathLike[str]) -> str:
    """Read the ED25519-V3 key at `path`, creating it (0600 in a 0700 directory) if absent.

    An existing but unreadable or malformed file raises CorruptKey: silently
    replacing it would change the onion address sources have written down.
    """
    key_path = Path(path)
    _ensure_private_dir(key_path.parent)
    try:
        text = _read_key_file(key_path)
    except FileNotFoundError:
        return _create_key_file(key_path)
    try:
        return check_service_key(text)
    except CorruptKey as exc:
        raise CorruptKey(
            f"{key_path}: {exc}; restore it from a backup (deleting it gives the service a new onion address)"
        ) from None


def _ensure_private_dir(directory: Path) -> None:
    if not directory.exists():
        directory.mkdir(mode=0o700, parents=True)
        os.chmod(directory, 0o700)
        return
    mode = directory.stat().st_mode
    if mode & (stat.S_IWGRP | stat.S_IWOTH) and not mode & stat.S_ISVTX:
        raise InsecurePermissions(
            f"{directory} is writable by other users, who could replace the onion key; run: chmod 700 {directory}"
        )


def _read_key_file(key_path: Path) -> str:
    try:
        fd = os.open(key_path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise CorruptKey(f"cannot open onion key file {key_path}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        if os.fstat(handle.fileno()).st_mode & 0o077:
            # The key is the service's identity: keep it readable by us only.
            os.fchmod(handle.fileno(), 0o600)
            log.warning("tightened permissions of %s to 0600", key_path)
        data = handle.read(4096)
    try:
        return data.decode("ascii").strip()
    except UnicodeDecodeError:
        raise CorruptKey(f"{key_path} is not an onion service key file") from None


def _create_key_file(key_path: Path) -> str:
    blob = generate_service_key()
    tmp = key_path.with_name(f".{key_path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(blob.encode("ascii") + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            # link() never overwrites: if another process created the key
            # first, theirs wins and both use the same address.
            os.link(tmp, key_path)
        except FileExistsError:
            return check_service_key(_read_key_file(key_path))
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(key_path.parent)
    return blob


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------
# ADD_ONION arguments


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


def _port_arguments(ports: Ports) -> list[str]:
    if not ports:
        raise InvalidTarget("an onion service needs at least one port")
    return [_port_argument(virtual, target) for virtual, target in sorted(ports.items())]


def _client_auth_arguments(keys: Sequence[str] | None) -> list[str]:
    if keys is None:
        return []
    if isinstance(keys, str):
        raise InvalidClientKey("client keys must be a list of keys, not one string")
    canonical = list(dict.fromkeys(validate_public_key(key) for key in keys))
    if not canonical:
        raise NoClientKeys(
            "refusing to publish an onion service that requires client authorization "
            "with no authorized client keys; issue a journalist key first"
        )
    return [f"ClientAuthV3={key}" for key in canonical]


@dataclass(frozen=True)
class PublishedService:
    """What this controller published: no key material, safe to log."""

    address: str
    ports: tuple[tuple[int, str, int], ...]
    authorized_clients: int | None  # None: no client authorization
    pow_defense: bool  # whether the PoW defence was actually enabled
    detached: bool


@dataclass(frozen=True)
class _Request:
    service_key: str = field(repr=False)  # secret: keep out of tracebacks and logs
    port_args: tuple[str, ...]
    auth_args: tuple[str, ...]
    ports: tuple[tuple[int, str, int], ...]
    pow_defense: bool
    detach: bool

    def command(self, with_pow: bool) -> str:
        flags = ["DiscardPK"]
        if self.auth_args:
            flags.append("V3Auth")
        if self.detach:
            flags.append("Detach")
        parts = ["ADD_ONION", self.service_key, "Flags=" + ",".join(flags)]
        if with_pow:
            parts.append("PoWDefensesEnabled=1")
        return " ".join(parts + list(self.port_args) + list(self.auth_args))


def _request(
    service_key: str,
    ports: Ports,
    client_auth_public_keys: Sequence[str] | None,
    pow_defense: bool,
    detach: bool,
) -> _Request:
    """Validate everything first: nothing unchecked reaches a raw control command."""
    check_service_key(service_key)
    return _Request(
        service_key=service_key,
        port_args=tuple(_port_arguments(ports)),
        auth_args=tuple(_client_auth_arguments(client_auth_public_keys)),
        ports=tuple((v, h, p) for v, (h, p) in sorted(ports.items())),
        pow_defense=pow_defense,
        detach=detach,
    )


# --------------------------------------------------------------------------
# the controller


class OnionController:
    """Publishes, republishes and removes onion services on one tor control connection.

    Services are tied to this connection unless published with detach=True:
    tor removes them when the connection closes, so a crashed server leaves
    nothing reachable behind it.
    """

    def __init__(self, controller: stem.control.Controller) -> None:
        self._controller = controller
        self._lock = threading.RLock()
        self._services: dict[str, PublishedService] = {}
        self._address_by_key: dict[str, str] = {}
        self._uploads: dict[str, int] = {}
        self._upload_cond = threading.Condition()
        self._pow_over_control: bool | None = None  # None: not tried yet
        self.version = str(controller.get_version()).split(" ")[0]
        self._listen_for_uploads()

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
        where = control_socket or f"{host}:{control_port or 9051}"
        _probe(control_port or 9051, control_socket, host, where)
        try:
            if control_socket is not None:
                controller = stem.control.Controller.from_socket_file(control_socket)
            else:
                controller = stem.control.Controller.from_port(address=host, port=control_port or 9051)
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

    def _listen_for_uploads(self) -> None:
        try:
            self._controller.add_event_listener(self._on_hs_desc, stem.control.EventType.HS_DESC)
        except stem.ControllerError:
            log.warning("tor did not accept HS_DESC events; wait_for_upload will time out")

    def _on_hs_desc(self, event: stem.response.events.HSDescEvent) -> None:
        if event.action == "UPLOADED" and event.address:
            with self._upload_cond:
                address = str(event.address)
                self._uploads[address] = self._uploads.get(address, 0) + 1
                self._upload_cond.notify_all()

    # -- publishing ---------------------------------------------------------

    def publish(
        self,
        service_key: str,
        ports: Ports,
        client_auth_public_keys: Sequence[str] | None = None,
        pow_defense: bool = False,
        *,
        detach: bool = False,
    ) -> str:
        """Publish a v3 service and return its 56-character address (no '.onion').

        client_auth_public_keys=None publishes without client authorization; a
        list requires it, and an empty list is refused (NoClientKeys) so the
        journalist interface is never published open.
        """
        request = _request(service_key, ports, client_auth_public_keys, pow_defense, detach)
        with self._lock:
            return self._add(request)

    def republish(
        self,
        service_key: str,
        ports: Ports,
        client_auth_public_keys: Sequence[str] | None = None,
        pow_defense: bool = False,
        *,
        detach: bool = False,
        address: str | None = None,
    ) -> str:
        """Remove the service published with this key, then publish it again.

        Tor refuses to re-add a key that is still published, hence the removal.
        `address` is needed only for a detached service another connection
        published. Inputs are validated before anything is removed; but if the
        new key list is empty, or tor refuses the new service, the service stays
        removed: a revoked key must stop working even when nothing replaces it.
        """
        target = normalize_onion_address(address) if address else None
        try:
            request = _request(service_key, ports, client_auth_public_keys, pow_defense, detach)
        except NoClientKeys:
            request = None
        with self._lock:
            target = target or self._address_by_key.get(service_key)
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
        """Remove every service this controller published, detached ones included."""
        with self._lock:
            for address in list(self._services):
                self._delete(address, missing_ok=True)

    def services(self) -> list[PublishedService]:
        """What this controller currently has published."""
        with self._lock:
            return list(self._services.values())

    def wait_for_upload(self, address: str, timeout: float = 60.0, uploads: int = 1) -> bool:
        """Wait until HSDirs accepted `uploads` descriptors for `address` since it was
        (re)published; False on timeout. Never true with DisableNetwork."""
        target = normalize_onion_address(address)
        with self._upload_cond:
            return self._upload_cond.wait_for(lambda: self._uploads.get(target, 0) >= uploads, timeout=timeout)

    def bootstrap_progress(self) -> int:
        """Tor's bootstrap percentage (0-100)."""
        phase = self._getinfo("status/bootstrap-phase")
        match = re.search(r"PROGRESS=(\d+)", phase)
        return int(match.group(1)) if match else 0

    def take_ownership(self) -> None:
        """Make tor exit when this control connection closes (for a tor we launched)."""
        self._command("TAKEOWNERSHIP")

    def close(self) -> None:
        """Close the connection; tor then drops every service not published detached."""
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

    def _add(self, request: _Request) -> str:
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
            authorized_clients=len(request.auth_args) if request.auth_args else None,
            pow_defense=use_pow,
            detached=request.detach,
        )
        return address

    def _pow_supported(self) -> bool:
        if self._pow_over_control is not None:
            return self._pow_over_control
        return self._tor_at_least(POW_TOR_VERSION)

    def _delete(self, address: str, missing_ok: bool) -> None:
        reply = self._msg(f"DEL_ONION {address}")
        if not reply.is_ok() and not (missing_ok and str(reply).startswith("Unknown")):
            raise PublishFailed(f"tor refused to remove {address}.onion: {reply}")
        self._services.pop(address, None)
        with self._upload_cond:  # wait_for_upload counts the next incarnation only
            self._uploads.pop(address, None)
        for key, published in list(self._address_by_key.items()):
            if published == address:
                del self._address_by_key[key]

    def _getinfo(self, key: str) -> str:
        try:
            return str(self._controller.get_info(key))
        except stem.SocketError as exc:
            raise TorUnavailable(f"lost the connection to tor: {exc}") from None
        except stem.ControllerError as exc:
            raise OnionError(f"tor could not answer GETINFO {key}: {exc}") from None

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
            "or a detached service from an earlier run): remove it first or use republish"
        )
    return f"tor refused to publish the onion service: {reply}"


# --------------------------------------------------------------------------
# a tor of our own


def launch_tor(
    data_dir: str | os.PathLike[str],
    control_port: int | None = None,
    *,
    disable_network: bool,
    tor_binary: str = "tor",
    timeout: float = 60.0,
) -> tuple[OnionController, subprocess.Popen[bytes]]:
    """Start a tor child process with its DataDirectory at <data_dir>/tor and connect to it.

    The tor exits when this process does (__OwningControllerProcess) or when the
    returned controller's connection closes (TAKEOWNERSHIP). It has no SOCKS
    port: it only hosts onion services. Tests pass disable_network=True so it
    never contacts the public Tor network.
    """
    tor_dir = Path(data_dir) / "tor"
    _ensure_private_dir(tor_dir.parent)
    tor_dir.mkdir(mode=0o700, exist_ok=True)
    os.chmod(tor_dir, 0o700)  # tor itself refuses a group-readable DataDirectory
    port_file = tor_dir / "control-port"
    port_file.unlink(missing_ok=True)
    torrc = tor_dir / "torrc"
    torrc.write_text("# securedrop passes tor's options on its command line\n")
    argv = [
        tor_binary,
        "-f",
        str(torrc),
        "--defaults-torrc",
        str(torrc),
        "--DataDirectory",
        str(tor_dir),
        "--SocksPort",
        "0",
        "--ControlPort",
        f"127.0.0.1:{control_port}" if control_port else "auto",
        "--ControlPortWriteToFile",
        str(port_file),
        "--CookieAuthentication",
        "1",
        "--DisableNetwork",
        "1" if disable_network else "0",
        "--__OwningControllerProcess",
        str(os.getpid()),
        "--Log",
        "notice stdout",
    ]
    log_path = tor_dir / "tor.log"
    with open(log_path, "ab") as log_file:
        try:
            process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT)
        except OSError as exc:
            raise TorLaunchFailed(f"cannot run {tor_binary} ({exc.strerror}): install Debian's tor package") from None
    try:
        port = _wait_for_control_port(process, port_file, log_path, timeout)
        _wait_for_file(process, tor_dir / "control_auth_cookie", log_path, timeout)
        controller = OnionController.connect(control_port=port)
    except BaseException:
        stop_tor(process)
        raise
    try:
        controller.take_ownership()
    except BaseException:
        controller.close()
        stop_tor(process)
        raise
    return controller, process


def _wait_for_control_port(process: subprocess.Popen[bytes], port_file: Path, log_path: Path, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise TorLaunchFailed(f"tor exited with status {process.returncode}:\n" + _tail(log_path))
        match = re.search(r"PORT=127\.0\.0\.1:(\d+)", _read_text(port_file))
        if match:
            return int(match.group(1))
        time.sleep(0.05)
    raise TorLaunchFailed(f"tor opened no control port within {timeout:.0f} s:\n" + _tail(log_path))


def _wait_for_file(process: subprocess.Popen[bytes], path: Path, log_path: Path, timeout: float) -> None:
    """Tor announces its control port a moment before it writes the auth cookie."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise TorLaunchFailed("tor wrote no control cookie:\n" + _tail(log_path))
        time.sleep(0.05)


def _read_text(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _tail(path: Path, lines: int = 8) -> str:
    return "\n".join(_read_text(path).splitlines()[-lines:])


def stop_tor(process: subprocess.Popen[bytes]) -> None:
    """Stop a tor that launch_tor started: SIGTERM, then SIGKILL after 10 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
