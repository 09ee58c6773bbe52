"""Running the two apps under gunicorn on loopback, and `securedrop serve` over Tor."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from securedrop import onion
from securedrop.config import Settings
from securedrop.db import make_engine, make_session_factory
from securedrop.domain.onion_keys import ADDRESS_FILE, authorized_public_keys
from securedrop.onion_state import OnionState
from securedrop.storage.sweep import sweep_tmp

LOOPBACK = "127.0.0.1"
#: Uploads over Tor can take hours; gunicorn's default 30 s would kill them. The source
#: app's workers also end any connection older than this (SlowClientWorker).
WORKER_TIMEOUT_SECONDS = 6 * 3600
#: At start, tmp/ entries older than this are a crash's leftovers (see serve()).
STARTUP_SWEEP_GRACE_SECONDS = 600
#: How often `serve` looks for issued or revoked client keys.
KEY_POLL_SECONDS = 1.0
#: How often `serve` tries to reach a tor that went away.
RECONNECT_SECONDS = 5.0
#: The source app's workers: green threads, each connection cheap (see
#: gunicorn_workers.SlowClientWorker). Connections per worker process; beyond them new
#: connections wait in the listen backlog. Named, not imported: gevent stays out of here.
SOURCE_WORKER_ARGS = [
    "--worker-class", "securedrop.gunicorn_workers.SlowClientWorker",
    "--worker-connections", "1000",
    # Also how long a new connection may take to send its request line and headers:
    # Tor adds seconds of latency, so gunicorn's 2 s default would drop real sources.
    "--keep-alive", "30",
]
#: The journalist app (reached only with a client key) keeps threads: see
#: gunicorn_workers.QuietThreadWorker.
JOURNALIST_WORKER_ARGS = [
    "--worker-class", "securedrop.gunicorn_workers.QuietThreadWorker",
    "--threads", "4",
]


def gunicorn_command(app: str, host: str, port: int, quiet: bool) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        f"securedrop.wsgi:{app}()",
        "--bind",
        f"{host}:{port}",
        # Both worker classes hand the request body to the app as a stream (no temp file).
        *(SOURCE_WORKER_ARGS if app == "source_app" else JOURNALIST_WORKER_ARGS),
        "--workers",
        "2",
        "--timeout",
        str(WORKER_TIMEOUT_SECONDS),
        "--graceful-timeout",
        "5",
        # No runtime control socket in the home directory: nothing should steer the servers.
        "--no-control-socket",
    ]
    if quiet:
        # No access log, and only critical errors: nothing about a source's visit.
        command += ["--log-level", "critical"]
    return command


@dataclass
class AppServers:
    """The source and journalist apps as gunicorn children, bound to loopback only."""

    env: Mapping[str, str]
    source_port: int
    journalist_port: int
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self) -> None:
        self.processes = [
            subprocess.Popen(gunicorn_command("source_app", LOOPBACK, self.source_port, True), env=dict(self.env)),
            subprocess.Popen(
                gunicorn_command("journalist_app", LOOPBACK, self.journalist_port, False), env=dict(self.env)
            ),
        ]

    def exited(self) -> int | None:
        """The exit status of the first server that stopped, if any did."""
        for process in self.processes:
            if process.poll() is not None:
                return process.returncode
        return None

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class JournalistOnion:
    """Keeps the journalist onion published with exactly the issued client keys.

    With no key issued it stays unpublished: the journalist interface is never
    reachable without client authorization.
    """

    def __init__(self, controller: onion.OnionController, service_key: str, port: int, onion_dir: Path) -> None:
        self._controller = controller
        self._service_key = service_key
        self._ports = {80: (LOOPBACK, port)}
        self._onion_dir = onion_dir
        self._published: str | None = None
        self._keys: tuple[str, ...] | None = None  # None until the first sync
        #: Open connections the last sync closed because a key was revoked.
        self.closed_connections = 0

    def sync(self, keys: list[str]) -> bool:
        """Publish, republish or remove to match `keys`; after a revoke, close every open
        connection too. Returns whether anything changed."""
        if tuple(keys) == self._keys:
            return False
        revoked = bool(set(self._keys or ()) - set(keys))
        self._keys = tuple(keys)
        before = self._published
        if not keys:
            if self._published is not None:
                self._controller.remove(self._published)
                self._published = None
        else:
            # republish also publishes a service that is not up yet.
            self._published = self._controller.republish(self._service_key, self._ports, keys)
            (self._onion_dir / ADDRESS_FILE).write_text(self._published + "\n")
        # Republishing stops new connections from the revoked device, not the one it may
        # have open: that goes now (after the removal, so it cannot come back in between).
        self.closed_connections = 0
        if revoked and before is not None:
            self.closed_connections = self._controller.close_rendezvous_circuits(before)
        return True

    @property
    def address(self) -> str | None:
        """The published address, or None while no client key is issued."""
        return self._published


@dataclass(frozen=True)
class TorOptions:
    control_port: int | None = None
    control_socket: str | None = None
    control_password: str | None = None
    #: Start a tor child of our own (its DataDirectory under the data dir).
    launch: bool = False
    #: With `launch`: keep that tor off the network (tests and dry runs).
    offline: bool = False


def connect_tor(
    settings: Settings, options: TorOptions
) -> tuple[onion.OnionController, subprocess.Popen[bytes] | None]:
    """Raises: onion.OnionError, with a message that says what to fix."""
    if options.launch:
        return onion.launch_tor(settings.data_dir, disable_network=options.offline)
    return (
        onion.OnionController.connect(
            control_port=options.control_port,
            control_socket=options.control_socket,
            password=options.control_password,
        ),
        None,
    )


def _reconnect(
    settings: Settings, options: TorOptions, source_key: str, source_port: int
) -> onion.OnionController | None:
    """A new control connection with the source onion published on it, or None: try later."""
    try:
        controller, _ = connect_tor(settings, options)
    except onion.OnionError:
        return None
    try:
        controller.publish(source_key, {80: (LOOPBACK, source_port)}, None, pow_defense=True)
    except onion.OnionError:
        controller.close()
        return None
    return controller


def serve(
    settings: Settings,
    env: Mapping[str, str],
    options: TorOptions,
    source_port: int,
    journalist_port: int,
    stop: threading.Event,
) -> int:
    """Publish both onions and run both apps until `stop` is set; remove everything after.

    Raises:
        onion.OnionError: tor is unreachable, refuses us, or a key file is corrupt.
    """
    onion_dir = settings.onion_dir
    # What a crash of the apps left in tmp/ (an upload's spool, a zip): no request of ours is
    # running yet. Ten minutes' grace spares what the worker process is using right now.
    swept = sweep_tmp(settings.tmp_dir, settings.shredder_dir, max_age=STARTUP_SWEEP_GRACE_SECONDS)
    if swept:
        print(f"Removed {swept} entries left in tmp/ by an earlier crash.", flush=True)
    # Both keys are read (or created) before tor is touched: a corrupt file stops us here.
    source_key = onion.load_or_create_service_key(onion_dir / "source.key")
    journalist_key = onion.load_or_create_service_key(onion_dir / "journalist.key")
    controller, tor_process = connect_tor(settings, options)
    servers = AppServers({**env, "SECUREDROP_SOURCE_ONION": ""}, source_port, journalist_port)
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    state = OnionState(settings.data_dir)
    try:
        source_address = controller.publish(source_key, {80: (LOOPBACK, source_port)}, None, pow_defense=True)
        servers.env = {**env, "SECUREDROP_SOURCE_ONION": source_address}
        servers.start()
        journalist = JournalistOnion(controller, journalist_key, journalist_port, onion_dir)
        print(f"Source interface:     http://{source_address}.onion/", flush=True)
        while not stop.is_set():
            if not controller.alive:
                # tor restarted or the control connection dropped: the services went with it.
                state.record(False)
                # A tor of our own (--launch-tor) is not restarted behind the operator's back.
                again = None if options.launch or stop.wait(RECONNECT_SECONDS) else _reconnect(
                    settings, options, source_key, source_port
                )
                if again is None:
                    stop.wait(KEY_POLL_SECONDS)
                    continue
                controller.close()
                controller = again
                journalist = JournalistOnion(controller, journalist_key, journalist_port, onion_dir)
                print("tor is back: the onion services are published again", flush=True)
            state.record(True)
            with sessions() as session:
                keys = authorized_public_keys(session)
            if journalist.sync(keys):  # always true the first time
                if journalist.closed_connections:
                    print(
                        f"Journalist interface: a key was revoked; closed {journalist.closed_connections} "
                        "open connection(s)",
                        flush=True,
                    )
                if journalist.address is not None:
                    print(
                        f"Journalist interface: http://{journalist.address}.onion/ "
                        f"({len(keys)} authorized client key{'s' if len(keys) != 1 else ''})",
                        flush=True,
                    )
                else:
                    print(
                        "Journalist interface: not published, no client key is issued. "
                        "Run `securedrop onion-key issue --username NAME --device NAME`.",
                        flush=True,
                    )
            status = servers.exited()
            if status is not None:
                print(f"securedrop serve: a web server exited with status {status}", file=sys.stderr)
                return 1
            stop.wait(KEY_POLL_SECONDS)
        return 0
    finally:
        servers.stop()
        state.clear()
        try:
            controller.remove_all()
        except onion.OnionError:
            pass  # tor is gone already (e.g. stopped with us by systemd): nothing stays published
        finally:
            controller.close()
            engine.dispose()
            if tor_process is not None:
                onion.stop_tor(tor_process)
