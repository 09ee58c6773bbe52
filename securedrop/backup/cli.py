"""The `securedrop backup` and `securedrop restore` commands."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from securedrop import config
from securedrop.backup import BackupError
from securedrop.backup.progress import human_bytes
from securedrop.backup.restore import restore
from securedrop.backup.run import default_name, import_admin_key, rotate, run_backup

PLAINTEXT_WARNING = (
    "This archive is NOT encrypted. It holds the server's peppers and every source's sealed key: "
    "together with a source's codename it unlocks that source's account and replies. Keep it "
    "offline and readable by you only, or use --encrypt-to with an admin's key kept off the server."
)


#: Settings restore writes into the config file that an environment variable would override.
_RESTORED_SETTINGS = ("SECUREDROP_ID_PEPPER", "SECUREDROP_KEY_PEPPER", "SECUREDROP_SCRYPT_N",
                      "SECUREDROP_SOURCE_SECRET_KEY", "SECUREDROP_JOURNALIST_SECRET_KEY")


def cmd_backup(args: argparse.Namespace) -> int:
    settings = config.load_or_exit()
    if args.import_key:
        try:
            fingerprint = import_admin_key(settings, Path(args.import_key).read_text())
        except (OSError, BackupError) as exc:
            sys.exit(f"securedrop backup: {exc}")
        print(f"Imported backup key {fingerprint}; use --encrypt-to {fingerprint}.")
        if not args.encrypt_to:
            return 0
    encrypt_to = args.encrypt_to or os.environ.get("SECUREDROP_BACKUP_ENCRYPT_TO") or None
    directory = Path(args.output_dir or os.environ.get("SECUREDROP_BACKUP_DIR") or ".")
    output = Path(args.output) if args.output else directory / default_name(encrypt_to is not None)
    progress = None if args.quiet or not sys.stderr.isatty() else sys.stderr
    try:
        result = run_backup(settings, output.resolve(), encrypt_to, progress)
    except BackupError as exc:
        print(f"securedrop backup: {exc}", file=sys.stderr)
        return 1
    if not args.quiet:
        print(f"Wrote {result.path} ({human_bytes(result.size)}, {len(result.manifest.members)} members).")
        if result.manifest.source_onion:
            print(f"Source onion in this archive: {result.manifest.source_onion}.onion")
    if result.missing:
        print(f"{len(result.missing)} stored file(s) were deleted while the backup ran; after a restore, "
              "`securedrop check --repair` removes their rows.", file=sys.stderr)
    if not result.encrypted:
        print(PLAINTEXT_WARNING, file=sys.stderr)
    keep = args.keep if args.keep is not None else int(os.environ.get("SECUREDROP_BACKUP_KEEP") or 0)
    if keep > 0 and not args.output:
        for path in rotate(directory, keep):
            if not args.quiet:
                print(f"Removed old backup {path}.")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    gnupg_home = Path(args.gnupg_home) if args.gnupg_home else None
    try:
        result = restore(Path(args.file), dict(os.environ), gnupg_home)
    except BackupError as exc:
        print(f"securedrop restore: {exc}", file=sys.stderr)
        return 2
    print(f"Restored {result.files} stored files, the database (schema {result.manifest.schema_revision}, "
          "now migrated to this version), the config, the submission key and the onion keys.")
    if result.source_onion:
        print(f"Source interface: http://{result.source_onion}.onion/")
    overridden = [name for name in _RESTORED_SETTINGS if os.environ.get(name)]
    if overridden:
        print(f"securedrop restore: {', '.join(overridden)} set in the environment override(s) the restored "
              "config file; unset them, or sources cannot log in.", file=sys.stderr)
    if result.source_onion != result.manifest.source_onion:
        print("securedrop restore: the restored source onion key does not give the address recorded "
              f"in the archive ({result.manifest.source_onion}).", file=sys.stderr)
        return 1
    return 0


def register(sub: Any) -> None:
    """Add `backup` and `restore` to the `securedrop` command's subparsers."""
    backup = sub.add_parser("backup", help="write one archive of the whole instance (safe while it runs)")
    backup.add_argument("--encrypt-to", metavar="FINGERPRINT",
                        help="stream the archive through gpg to this admin key (default $SECUREDROP_BACKUP_ENCRYPT_TO)")
    backup.add_argument("--import-key", metavar="FILE", help="first import an admin's public key for --encrypt-to")
    where = backup.add_mutually_exclusive_group()
    where.add_argument("--output", metavar="FILE", help="the archive's path")
    where.add_argument("--output-dir", metavar="DIR",
                       help="write a dated archive here (default $SECUREDROP_BACKUP_DIR, else the current directory)")
    backup.add_argument("--keep", type=int, metavar="N",
                        help="then keep only the newest N dated archives there (default $SECUREDROP_BACKUP_KEEP)")
    backup.add_argument("--quiet", action="store_true", help="no progress bar or summary (for timers)")
    backup.set_defaults(func=cmd_backup)

    restore_cmd = sub.add_parser("restore", help="restore an archive into a fresh install (checks it first)")
    restore_cmd.add_argument("file")
    restore_cmd.add_argument("--gnupg-home", metavar="DIR",
                             help="gpg home with the admin's secret key, for an encrypted archive")
    restore_cmd.set_defaults(func=cmd_restore)
