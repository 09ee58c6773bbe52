"""The `securedrop check [--repair]` command: report, then (if asked) repair, integrity faults."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from securedrop import config, db, integrity
from securedrop.storage.store import Store


def cmd_check(args: argparse.Namespace) -> int:
    settings = config.load_or_exit()
    engine = db.make_engine(settings.database_url)
    sessions = db.make_session_factory(engine)
    store = Store(settings.store_dir, settings.shredder_dir)
    try:
        report = integrity.find(sessions, store, settings.tmp_dir, checksums=not args.quick)
        print(f"Checked {report.files_checked} stored files.")
        for kind in integrity.KINDS:
            print(f"  {report.count(kind):>6}  {kind}")
        if not report.findings:
            print("Everything is consistent.")
            return 0
        for finding in report.findings:
            print(f"- {finding.kind}: {finding.what} (repair: {finding.repair})")
        if not args.repair:
            print("Run `securedrop check --repair` to fix what can be fixed.")
            return 1
        if not report.repairable:
            print("Nothing here can be repaired automatically.")
            return 1
        if not args.yes:
            if not sys.stdin.isatty():
                print("securedrop check: not a terminal; add --yes to repair without asking.", file=sys.stderr)
                return 1
            answer = input(f"Repair {len(report.repairable)} finding(s) as listed above? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                print("Nothing was changed.")
                return 1
        fixed = integrity.repair(sessions, store, settings.tmp_dir, report)
        print(f"Repaired {fixed}. Files moved to the shredder are overwritten by the worker's next round.")
        unfixable = len(report.findings) - len(report.repairable)
        return 1 if unfixable else 0
    finally:
        engine.dispose()


def register(sub: Any) -> None:
    """Add `check` to the `securedrop` command's subparsers."""
    check = sub.add_parser("check", help="find rows without files, files without rows, damaged files, stale tmp/")
    check.add_argument("--repair", action="store_true",
                       help="move orphans to the shredder and delete dangling rows, after showing the plan")
    check.add_argument("--yes", action="store_true", help="repair without asking")
    check.add_argument("--quick", action="store_true", help="compare sizes only, not checksums")
    check.set_defaults(func=cmd_check)
