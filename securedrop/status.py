"""`securedrop status`: one screen saying whether this installation is up and reachable."""

from __future__ import annotations

import argparse
import http.client
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from securedrop import config, db
from securedrop.crypto.openpgp import OpenPGP
from securedrop.domain.system_facts import DISK_ALERT_PERCENT, WORKER_STALL, SystemFacts, gather
from securedrop.models import OnionClientKey
from securedrop.onion.address import address_of_service_key
from securedrop.onion.errors import CorruptKey
from securedrop.onion.health import tor_health

JOURNALIST_ADDRESS_FILE = "journalist.address"


@dataclass
class Report:
    """Lines to print and whether the installation serves sources right now."""

    lines: list[tuple[str, str]] = field(default_factory=list)
    healthy: bool = True

    def add(self, label: str, text: str, ok: bool = True) -> None:
        self.lines.append((label, text))
        self.healthy = self.healthy and ok

    def render(self) -> str:
        width = max(len(label) for label, _ in self.lines) + 2
        return "\n".join(f"{label + ':':<{width}}{text}" for label, text in self.lines)


def _key_address(path: Path) -> str | None:
    try:
        return address_of_service_key(path.read_text().strip())
    except (OSError, CorruptKey):
        return None


def _http_get(port: int, path: str) -> tuple[int, bytes] | None:
    """The status and body of a loopback request, or None when nothing answers."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read(65536)
    except OSError:
        return None
    finally:
        connection.close()


def _published_source_onion(port: int) -> str | None:
    """The source onion the running server says it published (its /metadata)."""
    answer = _http_get(port, "/metadata")
    if answer is None or answer[0] != 200:
        return None
    try:
        url = json.loads(answer[1]).get("v3_source_url")
    except ValueError:
        return None
    return str(url).removesuffix(".onion") if url else None


def _onions(settings: config.Settings, ports: tuple[int, int], client_keys: int, report: Report) -> None:
    onion_dir = settings.onion_dir
    source = _key_address(onion_dir / "source.key")
    journalist = _key_address(onion_dir / "journalist.key")
    published = _published_source_onion(ports[0])
    if source is None:
        report.add("Source onion", "no key yet (securedrop serve creates it on its first start)", ok=False)
    else:
        state = "published" if published == source else "NOT published (is securedrop-serve running?)"
        report.add("Source onion", f"http://{source}.onion/  {state}", ok=published == source)
    if journalist is None:
        report.add("Journalist onion", "no key yet (securedrop serve creates it on its first start)")
        return
    try:
        recorded = (onion_dir / JOURNALIST_ADDRESS_FILE).read_text().strip()
    except OSError:
        recorded = ""
    if client_keys == 0:
        state = "not published: no client key issued (securedrop onion-key issue)"
    elif published is not None and recorded == journalist:
        state = f"published for {client_keys} client key{'s' if client_keys != 1 else ''}"
    else:
        state = "NOT published (is securedrop-serve running?)"
    report.add("Journalist onion", f"http://{journalist}.onion/  {state}")


def _tor(control_socket: str, report: Report) -> None:
    health = tor_health(control_socket)
    if not health.reachable:
        report.add("Tor", health.problem or "unreachable", ok=False)
    elif health.network_disabled:
        report.add("Tor", f"tor {health.version}, network disabled (DisableNetwork 1): onions not reachable")
    elif health.bootstrap < 100:
        report.add("Tor", f"tor {health.version}, connecting to the Tor network ({health.bootstrap}%)")
    else:
        report.add("Tor", f"tor {health.version}, connected to the Tor network")


def _apps(ports: tuple[int, int], report: Report) -> None:
    for label, port, path in (("Source app", ports[0], "/"), ("Journalist app", ports[1], "/login")):
        answer = _http_get(port, path)
        if answer is None:
            report.add(label, f"does NOT answer on 127.0.0.1:{port}", ok=False)
        else:
            report.add(label, f"answers on 127.0.0.1:{port} (HTTP {answer[0]})", ok=answer[0] < 500)


def _facts(facts: SystemFacts, data_dir: Path, report: Report) -> None:
    """What the admin System page shows too (domain.system_facts), one line each."""
    report.add("Disk free", f"{facts.disk_free_bytes / 2**30:.1f} GiB in {data_dir} "
               f"({facts.disk_used_percent:.0f} % used)", ok=facts.disk_used_percent <= DISK_ALERT_PERCENT)
    if facts.worker_last_round is None:
        report.add("Worker", "no round completed yet (is securedrop-worker running?)")
    else:
        age = int((facts.checked_at - facts.worker_last_round).total_seconds())
        report.add("Worker", f"last round {facts.worker_last_round:%Y-%m-%d %H:%M:%S} UTC ({age} s ago)",
                   ok=facts.checked_at - facts.worker_last_round <= WORKER_STALL)
    if facts.submission_key_problem is not None:
        report.add("Submission key", f"NOT usable: {facts.submission_key_problem}", ok=False)
    else:
        expiry = f", expires {facts.submission_key_expires:%Y-%m-%d}" if facts.submission_key_expires else ""
        report.add("Submission key", f"{facts.submission_key_fpr} (usable{expiry})")
    if facts.backup_ok is None:
        report.add("Last backup", "none recorded (securedrop backup; the nightly timer)")
    elif facts.backup_ok:
        report.add("Last backup", f"succeeded {facts.backup_finished_at:%Y-%m-%d %H:%M} UTC")
    else:
        report.add("Last backup", f"FAILED: {facts.backup_error or 'see the journal'}", ok=False)
    report.add("Failed logins", f"{facts.failed_logins_last_hour} in the last hour")


def collect(settings: config.Settings, control_socket: str, ports: tuple[int, int]) -> Report:
    """Everything `status` prints; counts only, nothing that could identify a source."""
    report = Report()
    engine = db.make_engine(settings.database_url)
    pgp = OpenPGP(settings.keyring_dir, settings.tmp_dir, settings.submission_key_fpr, settings.gpg_binary)
    try:
        with db.make_session_factory(engine)() as session:
            client_keys = session.scalar(select(func.count()).select_from(OnionClientKey)) or 0
            facts = gather(session, settings.data_dir, pgp, datetime.now(UTC))
    finally:
        engine.dispose()
    _onions(settings, ports, client_keys, report)
    _tor(control_socket, report)
    _apps(ports, report)
    _facts(facts, settings.data_dir, report)
    sources, submissions, replies = facts.counts
    report.add("Content", f"{sources} sources, {submissions} submissions, {replies} replies")
    return report


def cmd_status(args: argparse.Namespace) -> int:
    settings = config.load_or_exit()
    report = collect(settings, args.control_socket, (args.source_port, args.journalist_port))
    print(report.render())
    return 0 if report.healthy else 1


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]  # argparse keeps it private
    """Add `securedrop status` to the command's parser."""
    status = subparsers.add_parser("status", help="onion addresses, tor, apps, disk, worker, key and counts")
    status.add_argument("--source-port", type=int, default=int(os.environ.get("SECUREDROP_SOURCE_PORT", "8080")))
    status.add_argument("--journalist-port", type=int,
                        default=int(os.environ.get("SECUREDROP_JOURNALIST_PORT", "8081")))
    status.add_argument("--control-socket", default="/run/tor/control")
    status.set_defaults(func=cmd_status)
