"""The account commands of `securedrop`: add-admin, add-journalist, delete-user, reset-2fa."""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from securedrop.cli import main
from securedrop.crypto import otp, passwords
from securedrop.models.journalists import Journalist


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> str:
    values = {
        "SECUREDROP_DATA_DIR": str(tmp_path / "cli-data"),
        "SECUREDROP_DATABASE_URL": database_url,
        "SECUREDROP_ID_PEPPER": base64.b64encode(secrets.token_bytes(32)).decode(),
        "SECUREDROP_KEY_PEPPER": base64.b64encode(secrets.token_bytes(32)).decode(),
        "SECUREDROP_SOURCE_SECRET_KEY": secrets.token_urlsafe(32),
        "SECUREDROP_JOURNALIST_SECRET_KEY": secrets.token_urlsafe(32),
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return database_url


def journalist(database_url: str, username: str) -> Journalist | None:
    from securedrop.db import make_engine, make_session_factory

    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            return session.scalar(select(Journalist).where(Journalist.username == username))
    finally:
        engine.dispose()


def test_add_journalist_prints_passphrase_secret_and_qr(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["add-journalist", "--username", "clara", "--first-name", "Clara"]) == 0
    out = capsys.readouterr().out
    passphrase = re.search(r"Passphrase: +(.+)", out).group(1)
    secret = re.search(r"TOTP secret: +(.+)", out).group(1).replace(" ", "")
    assert "█" in out or "▀" in out
    row = journalist(cli_env, "clara")
    assert row is not None and not row.is_admin and row.first_name == "Clara" and row.otp_secret == secret
    assert passwords.verify_passphrase(row.passphrase_hash, passphrase)
    assert main(["add-journalist", "--username", "clara"]) == 1
    assert "already taken" in capsys.readouterr().err


def test_add_admin_with_hotp_and_reset_and_delete(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["add-admin", "--username", "root", "--hotp-secret", "ab" * 19]) == 1
    assert main(["add-admin", "--username", "root", "--hotp-secret", "ab" * 20]) == 0
    row = journalist(cli_env, "root")
    assert row is not None and row.is_admin and not row.is_totp
    assert main(["reset-2fa", "--username", "root"]) == 0
    assert "TOTP secret" in capsys.readouterr().out
    assert journalist(cli_env, "root").is_totp
    assert main(["delete-user", "--username", "nobody", "--yes"]) == 1
    assert main(["delete-user", "--username", "root", "--yes"]) == 0
    assert journalist(cli_env, "root") is None


class Terminal:
    """Answers the prompts in order; a callable answer sees what was printed so far."""

    def __init__(self, capsys: pytest.CaptureFixture[str], *answers: str | Callable[[str], str]) -> None:
        self.capsys = capsys
        self.answers = list(answers)
        self.printed = ""
        self.errors = ""

    def __call__(self, _prompt: str = "") -> str:
        self.read()
        answer = self.answers.pop(0)
        return answer(self.printed) if callable(answer) else answer

    def read(self) -> None:
        captured = self.capsys.readouterr()
        self.printed += captured.out
        self.errors += captured.err


def code_from_printed_secret(printed: str) -> str:
    secret = re.findall(r"TOTP secret: +(.+)", printed)[-1].replace(" ", "")
    return otp.totp(secret).now()


def test_interactive_add_checks_a_code_and_spends_it(cli_env: str, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    terminal = Terminal(capsys, "dana", "Dana", "", "n", "000000", code_from_printed_secret)
    monkeypatch.setattr("builtins.input", terminal)
    assert main(["add-journalist"]) == 0
    terminal.read()
    assert "does not match the new secret (2 tries left)" in terminal.errors
    assert "Two-factor checked: the device works." in terminal.printed
    row = journalist(cli_env, "dana")
    assert row is not None and row.first_name == "Dana"
    assert row.last_totp_step > 0  # the code used at the terminal cannot log in again


def test_interactive_reset_takes_effect_only_once_a_code_verifies(
    cli_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["add-journalist", "--username", "erin"]) == 0
    before = journalist(cli_env, "erin")
    assert before is not None

    # Wrong codes, then nothing: the operator declines to store an unchecked secret.
    terminal = Terminal(capsys, "erin", "n", "123456", "", "n")
    monkeypatch.setattr("builtins.input", terminal)
    assert main(["reset-2fa"]) == 1
    terminal.read()
    assert "does not match the new secret" in terminal.errors
    assert "Nothing changed" in terminal.printed
    assert journalist(cli_env, "erin").otp_secret == before.otp_secret

    # A code from the new secret switches the account to it, and that code is spent.
    terminal = Terminal(capsys, "erin", "n", code_from_printed_secret)
    monkeypatch.setattr("builtins.input", terminal)
    assert main(["reset-2fa"]) == 0
    new_secret = re.findall(r"TOTP secret: +(.+)", terminal.printed)[-1].replace(" ", "")
    after = journalist(cli_env, "erin")
    assert after is not None and after.otp_secret == new_secret != before.otp_secret
    assert after.last_totp_step > 0
