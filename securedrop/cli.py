"""The `securedrop` command: dev server, database migrations, background worker."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from securedrop import config, db
from securedrop.accounts_cli import register as register_account_commands
from securedrop.config import ConfigError, Settings

DEV_DATA_DIR = ".dev-data"
#: Uploads over Tor can take hours; gunicorn's default 30 s would kill them.
WORKER_TIMEOUT_SECONDS = 6 * 3600


def _settings() -> Settings:
    try:
        return config.load()
    except ConfigError as exc:
        sys.exit(f"securedrop: {exc}")


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


def prepare_dev(data_dir: Path, num_sources: int) -> tuple[Settings, list[str]]:
    """Config, schema, dev submission key and demo data; idempotent."""
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
    services.engine.dispose()
    return settings, codenames


def gunicorn_command(app: str, host: str, port: int, quiet: bool) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        f"securedrop.wsgi:{app}()",
        "--bind",
        f"{host}:{port}",
        # gthread workers hand the request body to the app as a stream (no temp file).
        "--worker-class",
        "gthread",
        "--workers",
        "2",
        "--threads",
        "4",
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


def cmd_dev(args: argparse.Namespace) -> int:
    from securedrop import devdata
    from securedrop.services import build_services
    from securedrop.worker import run_forever

    data_dir = Path(os.environ.get("SECUREDROP_DATA_DIR", DEV_DATA_DIR)).resolve()
    settings, codenames = prepare_dev(data_dir, args.num_sources)
    env = _dev_environment(data_dir)
    processes = [
        subprocess.Popen(gunicorn_command("source_app", "127.0.0.1", args.source_port, True), env=env),
        subprocess.Popen(gunicorn_command("journalist_app", "127.0.0.1", args.journalist_port, False), env=env),
    ]
    stop = threading.Event()

    def _stop(_signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    worker = threading.Thread(target=run_forever, args=(build_services(settings), stop), daemon=True)
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
        for process in processes:
            if process.poll() is not None:
                print(f"securedrop dev: a server exited with status {process.returncode}", file=sys.stderr)
                status = 1
                stop.set()
        stop.wait(0.5)
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
    return status


# -- db ----------------------------------------------------------------------------------
def cmd_db(args: argparse.Namespace) -> int:
    settings = _settings()
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
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    run_forever(build_services(_settings()), stop)
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

    worker = sub.add_parser("worker", help="run background jobs (secure deletion, session purge)")
    worker.set_defaults(func=cmd_worker)
    register_account_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
