"""`securedrop add-admin`, `add-journalist`, `delete-user`, `reset-2fa`: accounts from the shell."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from securedrop import config, db
from securedrop.crypto import otp, qr
from securedrop.crypto.passwords import generate_passphrase
from securedrop.domain import authentication
from securedrop.domain import journalists as accounts
from securedrop.domain.authentication import DELETED_USERNAME
from securedrop.domain.instance import current_config


def _ask(prompt: str, value: str | None) -> str:
    return value if value is not None else input(prompt).strip()


def _yes(prompt: str) -> bool:
    return input(f"{prompt} [y/N] ").strip().lower() in ("y", "yes")


def _two_factor(args: argparse.Namespace) -> accounts.TwoFactor:
    hotp = args.hotp_secret
    if hotp is None and not args.username_given and _yes("Use a YubiKey (HOTP) instead of a mobile app (TOTP)?"):
        hotp = input("HOTP secret (40 hexadecimal characters): ")
    if hotp:
        return accounts.TwoFactor.from_hotp_hex(hotp)
    return accounts.TwoFactor.new_totp()


def _print_two_factor(two_factor: accounts.TwoFactor, username: str, issuer: str) -> None:
    if not two_factor.is_totp:
        print("Two-factor: HOTP (security key), counter 0.")
        return
    print(f"TOTP secret:          {otp.grouped(two_factor.secret)}")
    print("Scan this QR code with a two-factor app (FreeOTP, Google Authenticator...):")
    print(qr.terminal_text(otp.provisioning_uri(two_factor.secret, username, issuer)))


#: Wrong codes allowed while checking a new secret at the terminal.
CODE_ATTEMPTS = 3


def _check_code(two_factor: accounts.TwoFactor) -> int | None:
    """Ask for a code from the new secret; the step (TOTP) or next counter (HOTP) once
    one matches, None if the operator skips or every attempt fails."""
    for attempt in range(CODE_ATTEMPTS):
        code = input("Code from the new two-factor app or YubiKey (empty to skip): ").strip()
        if not code:
            return None
        try:
            return authentication.verify_new_secret(two_factor.secret, two_factor.is_totp, code, datetime.now(UTC))
        except authentication.LoginFailed:
            left = CODE_ATTEMPTS - attempt - 1
            print(f"That code does not match the new secret ({left} tries left).", file=sys.stderr)
    return None


def _fail(message: str) -> int:
    print(f"securedrop: {message}", file=sys.stderr)
    return 1


def _add_user(args: argparse.Namespace, is_admin: bool) -> int:
    args.username_given = args.username is not None
    username = _ask("Username: ", args.username)
    first = _ask("First name (optional): ", args.first_name) if not args.username_given else args.first_name
    last = _ask("Last name (optional): ", args.last_name) if not args.username_given else args.last_name
    try:
        two_factor = _two_factor(args)
    except otp.InvalidHOTPSecret:
        return _fail("the HOTP secret must be 40 hexadecimal characters")
    passphrase = generate_passphrase()
    try:
        with _transaction() as session:
            accounts.create_journalist(session, accounts.NewAccount(
                username=username, passphrase=passphrase, offered=passphrase, two_factor=two_factor,
                is_admin=is_admin, first_name=first, last_name=last,
            ))
            issuer = current_config(session).organization_name
    except accounts.UsernameTaken:
        return _fail(f'username "{username}" is already taken')
    except accounts.InvalidUsername:
        return _fail(f"usernames are {accounts.MIN_USERNAME_CHARS} to {accounts.MAX_USERNAME_CHARS} "
                     f'characters and cannot be "{DELETED_USERNAME}"')
    except accounts.NameTooLong:
        return _fail(f"names are at most {accounts.MAX_NAME_CHARS} characters")
    role = "admin" if is_admin else "journalist"
    print(f'Added {role} "{username}". This passphrase is shown once; give it to them safely:')
    print(f"Passphrase:           {passphrase}")
    _print_two_factor(two_factor, username, issuer)
    if not args.username_given:
        _check_new_account(username, two_factor)
    return 0


def _check_new_account(username: str, two_factor: accounts.TwoFactor) -> None:
    """Let the operator prove the new device works; the code used is then spent."""
    consumed = _check_code(two_factor)
    if consumed is None:
        print(f'Two-factor not checked. If their device does not work, run "securedrop reset-2fa" for "{username}".')
        return
    with _transaction() as session:
        found = authentication.find_journalist(session, username)
        if found is not None:
            accounts.set_two_factor(session, found, two_factor, consumed=consumed)
    print("Two-factor checked: the device works.")



def cmd_add_admin(args: argparse.Namespace) -> int:
    return _add_user(args, is_admin=True)


def cmd_add_journalist(args: argparse.Namespace) -> int:
    return _add_user(args, is_admin=False)


def cmd_delete_user(args: argparse.Namespace) -> int:
    username = _ask("Username to delete: ", args.username)
    if not args.yes and not _yes(f'Delete "{username}"? Their replies stay, credited to "{DELETED_USERNAME}".'):
        print("Nothing deleted.")
        return 1
    with _transaction() as session:
        found = authentication.find_journalist(session, username)
        if found is None:
            return _fail(f'no user "{username}"')
        accounts.delete_journalist(session, found, acting=None)
    print(f'Deleted "{username}"; every session of the account has ended.')
    return 0


def cmd_reset_2fa(args: argparse.Namespace) -> int:
    """Interactive: the new secret takes effect only once a code from it verifies (or
    the operator explicitly vouches for it). With --username: at once, for automation."""
    args.username_given = args.username is not None
    username = _ask("Username: ", args.username)
    try:
        two_factor = _two_factor(args)
    except otp.InvalidHOTPSecret:
        return _fail("the HOTP secret must be 40 hexadecimal characters")
    with _transaction() as session:
        if authentication.find_journalist(session, username) is None:
            return _fail(f'no user "{username}"')
        issuer = current_config(session).organization_name
    consumed = 0
    if not args.username_given:
        # Asked outside any transaction: the operator may take minutes.
        _print_two_factor(two_factor, username, issuer)
        checked = _check_code(two_factor)
        if checked is not None:
            consumed = checked
        elif not _yes("No code was verified. Store the new secret anyway?"):
            print(f'Nothing changed: "{username}" keeps their current two-factor secret.')
            return 1
    with _transaction() as session:
        found = authentication.find_journalist(session, username)
        if found is None:  # deleted while the operator was typing
            return _fail(f'no user "{username}"')
        accounts.set_two_factor(session, found, two_factor, consumed=consumed)
    print(f'Two-factor secret of "{username}" reset; every session of the account has ended.')
    if args.username_given:
        _print_two_factor(two_factor, username, issuer)
    return 0


@contextmanager
def _transaction() -> Iterator[Session]:
    """One transaction on the configured database; its engine is closed afterwards."""
    engine = db.make_engine(config.load_or_exit().database_url)
    try:
        with db.unit_of_work(db.make_session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]  # argparse's private class takes no parameter at runtime
    """Add the account commands to the `securedrop` parser."""
    for name, func, text in (
        ("add-admin", cmd_add_admin, "add an admin (prints the passphrase and 2FA secret once)"),
        ("add-journalist", cmd_add_journalist, "add a journalist (prints the passphrase and 2FA secret once)"),
    ):
        parser = subparsers.add_parser(name, help=text)
        parser.add_argument("--username", help="skip the prompts (for automation)")
        parser.add_argument("--first-name")
        parser.add_argument("--last-name")
        parser.add_argument("--hotp-secret", help="40 hex digits of a YubiKey; TOTP otherwise")
        parser.set_defaults(func=func)
    delete = subparsers.add_parser("delete-user", help="delete a journalist or admin account")
    delete.add_argument("--username")
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    delete.set_defaults(func=cmd_delete_user)
    reset = subparsers.add_parser("reset-2fa", help="give an account a new TOTP (or HOTP) secret")
    reset.add_argument("--username")
    reset.add_argument("--hotp-secret", help="40 hex digits of a YubiKey; TOTP otherwise")
    reset.set_defaults(func=cmd_reset_2fa)
