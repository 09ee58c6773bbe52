"""The `securedrop` command: dev server, database migrations, background worker."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from securedrop import config, db
from securedrop.accounts_cli import register as register_account_commands
from securedrop.serving import AppServers
from securedrop.status import register as register_status_command

if TYPE_CHECKING:
    from securedrop.services import Services

DEV_DATA_DIR = ".dev-data"


def _stop_on_signals() -> threading.Event:
    """An event that SIGTERM (systemd, kill) and SIGINT (Ctrl-C) set."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    return stop


# -- dev -------------------------------------------------------------------------------
def _dev_environment(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["SECUREDROP_DATA_DIR"] = str(data_dir)
    return env


def ensure_dev_config(data_dir: Path) -> Path:
    """Write `<data dir>/config.toml` with fresh peppers once; reuse it after."""
    path = data_dir / "config.toml"
    if not path.exists():
        # supported_locales is left out: it defaults to every shipped catalog.
        values: dict[str, object] = {**config.new_secrets(), "dev": True}
        config.write_config_file(path, values)
    return path


def prepare_dev(data_dir: Path, num_sources: int) -> tuple[Services, list[str]]:
    """Config, schema, dev submission key and demo data; idempotent. Returns the
    services built on the way (the caller disposes of their engine)."""
    from securedrop import devdata
    from securedrop.services import build_services

    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    ensure_dev_config(data_dir)
    settings = config.load(_dev_environment(data_dir))
    db.upgrade(settings.database_url)
    services = build_services(settings)
    secret_path = data_dir / "dev" / "submission-secret.asc"
    if not secret_path.exists():
        _fpr, secret = services.pgp.generate_dev_submission_key()
        secret_path.parent.mkdir(mode=0o700, exist_ok=True)
        fd = os.open(secret_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secret)
    codenames: list[str] = []
    with db.unit_of_work(services.sessions) as session:
        from sqlalchemy import func, select

        from securedrop.models import Source

        journalist = devdata.seed_journalist(session)
        if session.scalar(select(func.count()).select_from(Source)) == 0:
            codenames = devdata.seed_sources(session, services, journalist, num_sources)
    return services, codenames


def cmd_dev(args: argparse.Namespace) -> int:
    from securedrop import devdata
    from securedrop.worker import run_forever

    data_dir = Path(os.environ.get("SECUREDROP_DATA_DIR", DEV_DATA_DIR)).resolve()
    services, codenames = prepare_dev(data_dir, args.num_sources)
    env = _dev_environment(data_dir)
    servers = AppServers(env, args.source_port, args.journalist_port)
    servers.start()
    stop = _stop_on_signals()
    worker = threading.Thread(target=run_forever, args=(services, stop), daemon=True)
    worker.start()
    print(
        f"\nSource interface:     http://127.0.0.1:{args.source_port}/\n"
        f"Journalist interface: http://127.0.0.1:{args.journalist_port}/\n"
        f"Data directory:       {data_dir}\n"
        f"Dev journalist:       {devdata.DEV_USERNAME} / {devdata.DEV_PASSPHRASE}\n"
        f"TOTP secret:          {devdata.DEV_TOTP_SECRET}\n"
        f"Submission secret key (to decrypt): {data_dir / 'dev' / 'submission-secret.asc'}\n",
        flush=True,
    )
    if codenames:
        print("Demo source codenames (shown this once, stored nowhere):", flush=True)
        for codename in codenames:
            print(f"  {codename}", flush=True)
    status = 0
    while not stop.is_set():
        exited = servers.exited()
        if exited is not None:
            print(f"securedrop dev: a server exited with status {exited}", file=sys.stderr)
            status = 1
            stop.set()
        stop.wait(0.5)
    servers.stop()
    services.engine.dispose()
    return status


# -- db ----------------------------------------------------------------------------------
def cmd_db(args: argparse.Namespace) -> int:
    settings = config.load_or_exit()
    if args.action == "upgrade":
        db.upgrade(settings.database_url, args.revision or "head")
    else:
        db.downgrade(settings.database_url, args.revision or "-1")
    return 0


def cmd_worker(_args: argparse.Namespace) -> int:
    from securedrop.services import build_services
    from securedrop.storage.shredder import check_shred_available
    from securedrop.worker import run_forever

    check_shred_available()
    stop = _stop_on_signals()
    run_forever(build_services(config.load_or_exit()), stop)
    return 0


# -- serve and onion keys ---------------------------------------------------------------------
def cmd_serve(args: argparse.Namespace) -> int:
    from securedrop import onion
    from securedrop.serving import TorOptions, serve
    from securedrop.storage.shredder import ShredError, check_shred_available

    settings = config.load_or_exit()
    try:
        check_shred_available()
    except ShredError as exc:
        sys.exit(f"securedrop serve: {exc}")
    db.upgrade(settings.database_url)
    stop = _stop_on_signals()
    options = TorOptions(
        control_port=args.control_port,
        control_socket=args.control_socket,
        control_password=os.environ.get("SECUREDROP_TOR_CONTROL_PASSWORD") or None,
        launch=args.launch_tor or args.launch_tor_offline,
        offline=args.launch_tor_offline,
    )
    try:
        return serve(settings, dict(os.environ), options, args.source_port, args.journalist_port, stop)
    except onion.OnionError as exc:
        print(f"securedrop serve: {exc}", file=sys.stderr)
        return 2


def cmd_onion_key(args: argparse.Namespace) -> int:
    from securedrop.domain import NotFound, onion_keys
    from securedrop.domain.authentication import find_journalist

    settings = config.load_or_exit()
    sessions = db.make_session_factory(db.make_engine(settings.database_url))
    if args.action == "list":
        with sessions() as session:
            for row in onion_keys.list_keys(session):
                print(f"{row.uuid}  {row.journalist.username:<20} {row.device_name:<24} "
                      f"{row.created_at:%Y-%m-%d %H:%M} UTC")
        return 0
    if args.action == "revoke":
        try:
            with db.unit_of_work(sessions) as session:
                onion_keys.revoke_key(session, args.key)
        except NotFound:
            sys.exit(f"securedrop onion-key: no key with id {args.key}; see `securedrop onion-key list`")
        print("Revoked. A running `securedrop serve` republishes the journalist onion without it.")
        return 0
    with db.unit_of_work(sessions) as session:
        journalist = find_journalist(session, args.username)
        if journalist is None:
            sys.exit(f"securedrop onion-key: no journalist named {args.username!r}")
        try:
            issued = onion_keys.issue_key(session, journalist, args.device)
        except onion_keys.InvalidDeviceName:
            sys.exit("securedrop onion-key: give a device name of 1 to 100 characters")
        address = onion_keys.recorded_journalist_onion(settings.onion_dir)
        print(f"Key {issued.row.uuid} for {journalist.username} on {issued.row.device_name}.")
        print("Private key for Tor Browser (shown this once; the server keeps only the public half):")
        print(f"  {issued.private_b32}")
        if address:
            print(f"Journalist interface: http://{address}.onion/")
            print("Or save this line as a .auth_private file in tor's ClientOnionAuthDir:")
            print(f"  {issued.auth_private_file(address).strip()}")
    return 0


def cmd_submission_key(args: argparse.Namespace) -> int:
    from securedrop.crypto.openpgp import OpenPGP, SubmissionKeyError

    settings = config.load_or_exit()
    pgp = OpenPGP(settings.keyring_dir, settings.tmp_dir, settings.submission_key_fpr, settings.gpg_binary)
    try:
        if args.action == "import":
            fingerprint = pgp.import_submission_key(Path(args.file).read_text())
            print(f"Imported {fingerprint}.")
        pgp.check_submission_key()
    except (OSError, SubmissionKeyError) as exc:
        sys.exit(f"securedrop submission-key: {exc}")
    print(f"Submission key in use: {pgp.submission_fingerprint}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="securedrop", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    dev = sub.add_parser("dev", help="serve both interfaces on 127.0.0.1 with dev data")
    dev.add_argument("--source-port", type=int, default=8080)
    dev.add_argument("--journalist-port", type=int, default=8081)
    dev.add_argument("--num-sources", type=int, default=int(os.environ.get("NUM_SOURCES", "3")))
    dev.set_defaults(func=cmd_dev)

    database = sub.add_parser("db", help="database schema migrations")
    database.add_argument("action", choices=["upgrade", "downgrade"])
    database.add_argument("revision", nargs="?")
    database.set_defaults(func=cmd_db)

    serve = sub.add_parser("serve", help="serve both interfaces as Tor onion services (production)")
    serve.add_argument("--source-port", type=int, default=8080, help="loopback port of the source app")
    serve.add_argument("--journalist-port", type=int, default=8081, help="loopback port of the journalist app")
    where = serve.add_mutually_exclusive_group()
    where.add_argument("--control-port", type=int, help="tor's control port (default 9051)")
    where.add_argument("--control-socket", help="tor's control socket, e.g. /run/tor/control")
    where.add_argument("--launch-tor", action="store_true", help="start a tor of our own under the data dir")
    where.add_argument("--launch-tor-offline", action="store_true",
                       help="start a tor of our own that never goes online (dry runs and tests)")
    serve.set_defaults(func=cmd_serve)

    keys = sub.add_parser("onion-key", help="client keys of the journalist onion, one per device")
    key_actions = keys.add_subparsers(dest="action", required=True)
    issue = key_actions.add_parser("issue", help="issue a key for a journalist's device (shown once)")
    issue.add_argument("--username", required=True)
    issue.add_argument("--device", required=True, help="e.g. 'newsroom laptop'")
    key_actions.add_parser("list", help="list issued keys with owner, device and date")
    revoke = key_actions.add_parser("revoke", help="revoke one key; other keys keep working")
    revoke.add_argument("key", help="the key id `list` shows")
    keys.set_defaults(func=cmd_onion_key)

    key = sub.add_parser("submission-key", help="the organisation's OpenPGP submission key (public half only)")
    key_action = key.add_subparsers(dest="action", required=True)
    key_import = key_action.add_parser("import", help="import the public key from an armored file")
    key_import.add_argument("file")
    key_action.add_parser("check", help="say which key is in use, or what is wrong with it")
    key.set_defaults(func=cmd_submission_key)

    worker = sub.add_parser("worker", help="background jobs: secure deletion, session purge, mail digests and alerts")
    worker.set_defaults(func=cmd_worker)
    register_account_commands(sub)
    register_status_command(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("stem").setLevel(logging.WARNING)  # stem logs every control command
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
