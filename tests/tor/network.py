"""A private Tor network on 127.0.0.1 built from Debian's tor and tor-gencert, for tests."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

# Tor speaks its own control protocol; this harness talks it directly (a few
# lines) so that building the network does not depend on the library the code
# under test drives tor with. Only tests/tor/uploads.py, which must listen for
# asynchronous events, uses stem (its public API).

LOOPBACK = "127.0.0.1"


class TorNetworkError(Exception):
    """The private network or one of its tor processes failed."""


class ControlError(TorNetworkError):
    """Tor answered a control command with an error."""


def free_ports(count: int) -> list[int]:
    """`count` distinct free TCP ports on 127.0.0.1, held until all are chosen."""
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((LOOPBACK, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def require_binary(name: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if path is None:
        raise TorNetworkError(f"{name} not found: apt-get install -y tor")
    return path


class ControlConnection:
    """A minimal tor control-protocol client: authenticate, command, read the reply."""

    def __init__(self, port: int, cookie_path: Path | None, password: str | None = None, timeout: float = 30.0) -> None:
        self._sock = socket.create_connection((LOOPBACK, port), timeout=timeout)
        self._file = self._sock.makefile("rb")
        if password is not None:
            self.command(f'AUTHENTICATE "{password}"')
        elif cookie_path is not None:
            self.command("AUTHENTICATE " + cookie_path.read_bytes().hex())
        else:
            self.command("AUTHENTICATE")

    def command(self, line: str) -> list[str]:
        """Send one command; the reply lines' text, or ControlError on a non-2xx code."""
        if "\r" in line or "\n" in line:
            raise ValueError("one control command per call")
        self._sock.sendall(line.encode("ascii") + b"\r\n")
        code, lines = self._read_reply()
        if not code.startswith("2"):
            raise ControlError(f"{line.split(' ')[0]} -> {code} {' | '.join(lines)}")
        return lines

    def getinfo(self, key: str) -> str:
        lines = self.command(f"GETINFO {key}")
        first = lines[0]
        value = first.split("=", 1)[1] if "=" in first else ""
        # Multi-line values ("250+key=") arrive as the following data lines.
        return "\n".join([value] + lines[1:-1]) if len(lines) > 2 else value

    def _read_reply(self) -> tuple[str, list[str]]:
        lines: list[str] = []
        while True:
            raw = self._readline()
            code, divider, text = raw[:3], raw[3:4], raw[4:]
            if code == "650":  # an asynchronous event we did not ask to wait for
                continue
            if divider == "+":
                lines.append(text)
                while (data := self._readline()) != ".":
                    lines.append(data[1:] if data.startswith("..") else data)
                continue
            lines.append(text)
            if divider == " ":
                return code, lines

    def _readline(self) -> str:
        raw = self._file.readline()
        if not raw:
            raise TorNetworkError("tor closed the control connection")
        return raw.decode("utf-8", "replace").rstrip("\r\n")

    def close(self) -> None:
        self._file.close()
        self._sock.close()


class TorNode:
    """One tor child process with its own data directory and a control port."""

    def __init__(
        self,
        name: str,
        data_dir: Path,
        options: list[tuple[str, str]],
        tor_binary: str = "tor",
        password: str | None = None,
    ) -> None:
        self.name = name
        self._password = password
        self.data_dir = data_dir
        self._options = options
        self._tor = tor_binary
        self.process: subprocess.Popen[bytes] | None = None
        self.control_port: int | None = None
        self._control: ControlConnection | None = None
        self._stderr: BinaryIO | None = None
        self._port_file = data_dir / "control-port"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "notice.log"

    @property
    def cookie_path(self) -> Path:
        return self.data_dir / "control_auth_cookie"

    def start(self) -> None:
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.data_dir, 0o700)
        self._port_file.unlink(missing_ok=True)
        options = [
            ("DataDirectory", str(self.data_dir)),
            ("ControlPort", "auto"),
            ("ControlPortWriteToFile", str(self._port_file)),
            # Nothing outlives the test run: tor polls this pid and exits.
            ("__OwningControllerProcess", str(os.getpid())),
            ("Log", f"notice file {self.log_path}"),
            ("RunAsDaemon", "0"),
            *self._options,
        ]
        if not any(key in ("CookieAuthentication", "HashedControlPassword") for key, _ in options):
            options.append(("CookieAuthentication", "1"))
        torrc = self.data_dir / "torrc"
        torrc.write_text("".join(f"{key} {value}\n" for key, value in options))
        empty = self.data_dir / "torrc-defaults"
        empty.write_text("")
        self._stderr = open(self.data_dir / "stderr.log", "wb")
        self.process = subprocess.Popen(
            [self._tor, "-f", str(torrc), "--defaults-torrc", str(empty)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
        )

    def wait_for_control_port(self, deadline: float) -> int:
        while self.control_port is None:
            self._check_alive()
            match = re.search(r"PORT=127\.0\.0\.1:(\d+)", _read(self._port_file))
            if match:
                self.control_port = int(match.group(1))
            elif time.monotonic() > deadline:
                raise TorNetworkError(f"{self.name}: no control port\n{self.log_tail()}")
            else:
                time.sleep(0.05)
        return self.control_port

    def control(self) -> ControlConnection:
        """The harness's own control connection, which owns the tor process."""
        if self._control is None:
            deadline = time.monotonic() + 30
            port = self.wait_for_control_port(deadline)
            # Tor announces the port a moment before it writes the cookie.
            while self._password is None and not self.cookie_path.exists():
                self._check_alive()
                if time.monotonic() > deadline:
                    raise TorNetworkError(f"{self.name}: no control cookie\n{self.log_tail()}")
                time.sleep(0.05)
            conn = ControlConnection(port, self.cookie_path, self._password)
            # Tor exits the moment this connection closes, even if the test
            # process is SIGKILLed. Resetting __OwningControllerProcess also
            # stops stem (which takes ownership when it sees its own pid
            # there) from making a code-under-test connection the owner.
            conn.command("TAKEOWNERSHIP")
            conn.command("RESETCONF __OwningControllerProcess")
            self._control = conn
        return self._control

    def getinfo(self, key: str) -> str:
        return self.control().getinfo(key)

    def bootstrap_progress(self) -> int:
        match = re.search(r"PROGRESS=(\d+)", self.getinfo("status/bootstrap-phase"))
        return int(match.group(1)) if match else 0

    @property
    def socks_port(self) -> int:
        listeners = self.getinfo("net/listeners/socks")
        match = re.search(r"127\.0\.0\.1:(\d+)", listeners)
        if not match:
            raise TorNetworkError(f"{self.name} has no SOCKS port")
        return int(match.group(1))

    def microdescriptor_count(self) -> int:
        """How many relays' microdescriptors this tor holds (a circuit needs one per hop)."""
        return self.getinfo("md/all").count("ntor-onion-key ")

    def consensus_flags(self) -> dict[str, set[str]]:
        """Nickname -> flags of every relay in this tor's current consensus."""
        relays: dict[str, set[str]] = {}
        nickname = None
        for line in self.getinfo("ns/all").splitlines():
            if line.startswith("r "):
                nickname = line.split(" ")[1]
                relays[nickname] = set()
            elif line.startswith("s ") and nickname is not None:
                relays[nickname] = set(line.split(" ")[1:])
        return relays

    def add_client_auth(self, onion_address: str, private_key_base64: str) -> None:
        """Give this client a key for an onion service, over the control port (a
        SIGHUP to reload key files kills a tor that is still starting).

        Permanent (a file in ClientOnionAuthDir), as Tor Browser keeps it:
        NEWNYM purges keys added without that flag.
        """
        self.control().command(f"ONION_CLIENT_AUTH_ADD {onion_address} x25519:{private_key_base64} Flags=Permanent")

    def remove_client_auth(self, onion_address: str) -> None:
        self.control().command(f"ONION_CLIENT_AUTH_REMOVE {onion_address}")

    def new_identity(self) -> None:
        """NEWNYM: new circuits; cached onion-service descriptors are purged.

        Tor rate-limits NEWNYM to one per 10 s and delays the rest.
        """
        self.control().command("SIGNAL NEWNYM")

    def log_tail(self, lines: int = 6) -> str:
        text = _read(self.log_path) + _read(self.data_dir / "stderr.log")
        return "\n".join(f"  {self.name}: {line}" for line in text.splitlines()[-lines:])

    def _check_alive(self) -> None:
        if self.process is None or self.process.poll() is not None:
            code = None if self.process is None else self.process.returncode
            raise TorNetworkError(f"{self.name} is not running (exit {code})\n{self.log_tail()}")

    def stop(self) -> None:
        """Stop exactly this process (SIGTERM, then SIGKILL after 10 s)."""
        if self._control is not None:
            try:
                self._control.close()
            except OSError:
                pass
            self._control = None
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


class PrivateTorNetwork:
    """Directory authorities, relays, a client and an onion-service host, all on loopback.

    Safety: TestingTorNetwork with our own DirAuthority lines and no fallback
    directories means no node ever learns of a public relay; every address is
    127.0.0.1 and no relay is an exit, so nothing can leave the machine.
    """

    def __init__(
        self,
        base_dir: str | os.PathLike[str],
        n_authorities: int = 3,
        n_relays: int = 2,
        tor_binary: str = "tor",
        tor_gencert: str = "tor-gencert",
    ) -> None:
        # Onion-service circuits need at least 4 distinct relays here; with
        # fewer, services are never reached.
        if n_authorities < 1 or n_authorities + n_relays < 4:
            raise ValueError("a private network needs >= 1 authority and >= 4 relays in all")
        self.base_dir = Path(base_dir)
        self.n_authorities = n_authorities
        self.n_relays = n_relays
        self._tor = require_binary(tor_binary)
        self._gencert = require_binary(tor_gencert)
        self._dir_authority_lines: list[str] = []
        self._relay_ports: list[int] = []
        self.relays: list[TorNode] = []
        self.nodes: list[TorNode] = []
        self.client: TorNode | None = None
        self.service_host: TorNode | None = None
        self.startup_seconds: float | None = None

    # -- public API ---------------------------------------------------------

    def start(self, timeout: float = 120.0) -> PrivateTorNetwork:
        """Start every node and wait until a client can build onion-service circuits."""
        began = time.monotonic()
        deadline = began + timeout
        try:
            self.base_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._make_authorities()
            self._make_relays()
            for node in self.relays:
                node.start()
            self.client = self._start_node("client", self._client_options("client"))
            self.service_host = self._start_node("service-host", self._service_host_options())
            # Relays too: they are the directory caches later clients fetch from.
            self._wait_until_usable(list(self.nodes), deadline)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - began
        return self

    def start_client(self, name: str, timeout: float = 60.0) -> TorNode:
        """An additional client tor (SOCKS with extended errors), bootstrapped."""
        return self.start_clients([name], timeout)[0]

    def start_clients(self, names: Iterable[str], timeout: float = 60.0) -> list[TorNode]:
        """Several additional clients, started together and waited for together."""
        nodes = [self._start_node(name, self._client_options(name)) for name in names]
        self._wait_until_usable(nodes, time.monotonic() + timeout)
        return nodes

    def start_service_host(self, name: str, timeout: float = 60.0) -> TorNode:
        """An additional onion-service host tor: no SOCKS port, a control port."""
        node = self._start_node(name, self._service_host_options())
        self._wait_until_usable([node], time.monotonic() + timeout)
        return node

    def stop_node(self, node: TorNode) -> None:
        node.stop()
        if node in self.nodes:
            self.nodes.remove(node)

    def stop(self) -> None:
        """Stop every process this network started, and nothing else."""
        for node in reversed(self.nodes):
            node.stop()
        self.nodes.clear()

    @property
    def socks_port(self) -> int:
        return self._require(self.client).socks_port

    @property
    def control_port(self) -> int:
        return self._require(self.client).wait_for_control_port(time.monotonic() + 30)

    @property
    def service_control_port(self) -> int:
        return self._require(self.service_host).wait_for_control_port(time.monotonic() + 30)

    def __enter__(self) -> PrivateTorNetwork:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- building -----------------------------------------------------------

    @staticmethod
    def _require(node: TorNode | None) -> TorNode:
        if node is None:
            raise TorNetworkError("the network is not started")
        return node

    def _common_options(self) -> list[tuple[str, str]]:
        options = [("TestingTorNetwork", "1")]
        options += [("DirAuthority", line) for line in self._dir_authority_lines]
        options += [
            ("UseDefaultFallbackDirs", "0"),
            ("ClientUseIPv6", "0"),
            ("ExitRelay", "0"),
            ("ExitPolicy", "reject *:*"),
            ("ShutdownWaitLength", "0"),
            # Vanguards-lite keeps a set of layer-2 middles sampled from the first
            # consensus a node sees. In a five-relay network that set can hold only
            # nodes a circuit must exclude (itself, its guard, its last hop), and
            # every circuit then fails with "Failed to find node for hop #2" until
            # the set rotates, many minutes later. Production tor keeps it on.
            ("VanguardsLiteEnabled", "0"),
        ]
        return options

    def _relay_options(self, nickname: str, or_port: int) -> list[tuple[str, str]]:
        return [
            ("Nickname", nickname),
            ("Address", LOOPBACK),
            ("ORPort", f"{LOOPBACK}:{or_port}"),
            ("SocksPort", "0"),
            ("AssumeReachable", "1"),
            ("ContactInfo", f"{nickname}@test.invalid"),
            *self._common_options(),
        ]

    def _client_options(self, name: str) -> list[tuple[str, str]]:
        # ExtendedErrors makes tor report onion-service failures (0xF0-0xF7),
        # e.g. 0xF4 "client authorization missing", in the SOCKS5 reply.
        return [
            ("SocksPort", f"{LOOPBACK}:auto ExtendedErrors"),
            ("ClientOnionAuthDir", str(self.base_dir / name / "onion-auth")),
            *self._common_options(),
        ]

    def _service_host_options(self) -> list[tuple[str, str]]:
        return [("SocksPort", "0"), *self._common_options()]

    def _start_node(self, name: str, options: list[tuple[str, str]]) -> TorNode:
        node = TorNode(name, self.base_dir / name, options, self._tor)
        # Tor wants ClientOnionAuthDir to exist and be private.
        (node.data_dir / "onion-auth").mkdir(mode=0o700, parents=True, exist_ok=True)
        self.nodes.append(node)
        node.start()
        return node

    def _make_authorities(self) -> None:
        """Authority keys (tor-gencert), relay fingerprints, then the DirAuthority lines."""
        ports = free_ports(2 * self.n_authorities + self.n_relays)
        self._relay_ports = ports[2 * self.n_authorities :]
        specs = []
        for index in range(self.n_authorities):
            nickname = f"auth{index}"
            or_port, dir_port = ports[2 * index], ports[2 * index + 1]
            data_dir = self.base_dir / nickname
            v3ident = self._generate_authority_key(data_dir, dir_port)
            fingerprint = self._relay_fingerprint(data_dir, nickname, or_port)
            self._dir_authority_lines.append(
                f"{nickname} orport={or_port} no-v2 v3ident={v3ident} {LOOPBACK}:{dir_port} {fingerprint}"
            )
            specs.append((nickname, data_dir, or_port, dir_port))
        for nickname, data_dir, or_port, dir_port in specs:
            options = self._relay_options(nickname, or_port) + [
                ("DirPort", f"{LOOPBACK}:{dir_port}"),
                ("AuthoritativeDirectory", "1"),
                ("V3AuthoritativeDirectory", "1"),
                # Short voting rounds: a first consensus within ~10-20 s.
                ("TestingV3AuthInitialVotingInterval", "5"),
                ("TestingV3AuthInitialVoteDelay", "2"),
                ("TestingV3AuthInitialDistDelay", "2"),
                ("V3AuthVotingInterval", "10"),
                ("V3AuthVoteDelay", "2"),
                ("V3AuthDistDelay", "2"),
                ("V3AuthNIntervalsValid", "2"),
                # Vote the flags a fresh relay would earn only after days.
                ("TestingDirAuthVoteGuard", "*"),
                ("TestingDirAuthVoteHSDir", "*"),
            ]
            node = TorNode(nickname, data_dir, options, self._tor)
            self.relays.append(node)
            self.nodes.append(node)

    def _make_relays(self) -> None:
        for index, or_port in enumerate(self._relay_ports):
            nickname = f"relay{index}"
            node = TorNode(nickname, self.base_dir / nickname, self._relay_options(nickname, or_port), self._tor)
            self.relays.append(node)
            self.nodes.append(node)

    def _generate_authority_key(self, data_dir: Path, dir_port: int) -> str:
        keys = data_dir / "keys"
        keys.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(data_dir, 0o700)
        result = subprocess.run(
            [
                self._gencert,
                "--create-identity-key",
                "-m",
                "12",
                "-a",
                f"{LOOPBACK}:{dir_port}",
                "-i",
                str(keys / "authority_identity_key"),
                "-s",
                str(keys / "authority_signing_key"),
                "-c",
                str(keys / "authority_certificate"),
                "--passphrase-fd",
                "0",
            ],
            input=b"",
            capture_output=True,
            timeout=60,
            check=False,
        )
        certificate = _read(keys / "authority_certificate")
        match = re.search(r"^fingerprint ([0-9A-F]{40})$", certificate, re.MULTILINE)
        if result.returncode != 0 or not match:
            raise TorNetworkError(f"tor-gencert failed: {result.stderr.decode(errors='replace')}")
        return match.group(1)

    def _relay_fingerprint(self, data_dir: Path, nickname: str, or_port: int) -> str:
        empty = data_dir / "torrc-defaults"
        empty.write_text("")
        result = subprocess.run(
            [
                self._tor,
                "--list-fingerprint",
                "-f",
                str(empty),
                "--defaults-torrc",
                str(empty),
                "--DataDirectory",
                str(data_dir),
                "--Nickname",
                nickname,
                "--Address",
                LOOPBACK,
                "--ORPort",
                f"{LOOPBACK}:{or_port}",
                "--DisableNetwork",
                "1",
                "--Log",
                "err stderr",
            ],
            capture_output=True,
            timeout=60,
            check=False,
        )
        match = re.search(r"^\S+ ([0-9A-F]{40})$", _read(data_dir / "fingerprint"), re.MULTILINE)
        if result.returncode != 0 or not match:
            raise TorNetworkError(f"tor --list-fingerprint failed: {result.stderr.decode(errors='replace')}")
        return match.group(1)

    # -- waiting ------------------------------------------------------------

    def _wait_until_usable(self, nodes: Iterable[TorNode], deadline: float) -> None:
        """Each node bootstrapped to 100% with every relay Running and HSDir in its consensus."""
        pending = list(nodes)
        while pending:
            for node in self.relays:
                node._check_alive()
            pending = [node for node in pending if not self._usable(node, deadline)]
            if not pending:
                return
            if time.monotonic() > deadline:
                raise TorNetworkError("private Tor network not ready in time:\n" + self._status(pending))
            time.sleep(0.5)

    def _usable(self, node: TorNode, deadline: float) -> bool:
        """Bootstrapped, every relay Running and HSDir in its consensus, and the
        microdescriptor of every relay at hand: with only some, circuits fail
        ("Failed to find node for hop #2") until a retry a minute later."""
        node.wait_for_control_port(deadline)
        try:
            if node.bootstrap_progress() < 100:
                return False
            flags = node.consensus_flags()
            microdescriptors = node.microdescriptor_count()
        except ControlError:  # no consensus yet
            return False
        ready = [nick for nick, have in flags.items() if {"Running", "HSDir"} <= have]
        return len(ready) >= len(self.relays) and microdescriptors >= len(self.relays)

    def _status(self, pending: list[TorNode]) -> str:
        lines = []
        for node in pending:
            try:
                flags = node.consensus_flags()
                described = ", ".join(f"{nick} {'/'.join(sorted(have)) or '-'}" for nick, have in sorted(flags.items()))
                microdescriptors = node.microdescriptor_count()
                state = (
                    f"bootstrap {node.bootstrap_progress()}%, {microdescriptors} microdescriptors, "
                    f"consensus [{described}]"
                )
            except TorNetworkError as exc:
                state = str(exc)
            lines.append(f"{node.name}: {state}\n{node.log_tail()}")
        return "\n".join(lines)
