"""install_files/install.sh on a freshly booted Debian: bad input, install, re-run, upgrade.

The tests run in file order on one machine (a module fixture): each step starts from
the state the previous one left, as on an operator's machine.
"""

from __future__ import annotations

import re
import socket
import subprocess
from pathlib import Path

import pyotp
import pytest
import requests

from tests.conftest import csrf_from
from tests.functional.source_journey import new_source_over_http
from tests.system.conftest import KEY_FILE, PROJECT, REPO, Installation

pytestmark = [pytest.mark.system, pytest.mark.slow]

ONION = re.compile(r"http://([a-z2-7]{56})\.onion/")
DATA = "/var/lib/securedrop"
FIXTURE_REVISION = "systemtest01"
FAILING_REVISION = "systemtest02"


def _error_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("install.sh: ")]
    assert lines, result.stdout + result.stderr
    return lines[-1]


def _nothing_of_ours(machine: Installation) -> None:
    assert machine.sh(f"ls -d /etc/securedrop /opt/securedrop {DATA} 2>/dev/null || true").strip() == ""


def _run(machine: Installation, arguments: str) -> subprocess.CompletedProcess[str]:
    return machine.container.run(["bash", "-c", f"cd {PROJECT} && ./install_files/install.sh {arguments}"],
                                 check=False, timeout=1800)


def _status(machine: Installation) -> str:
    return machine.container.run(["securedrop", "status"], check=False).stdout


def _addresses(text: str) -> list[str]:
    return ONION.findall(text)


def _snapshot(machine: Installation) -> str:
    """Hashes of what a re-run must never change: config, onion keys, torrc."""
    return machine.sh(f"sha256sum /etc/securedrop/config.toml {DATA}/onion/source.key {DATA}/onion/journalist.key "
                      "/etc/tor/torrc")


# -- bad input: one sentence, non-zero, nothing of ours left behind -------------------------------
def test_refuses_to_run_without_root(machine: Installation) -> None:
    machine.sh(f"cp {PROJECT}/install_files/install.sh /tmp/install.sh && chmod 0755 /tmp/install.sh")
    result = machine.container.run(["runuser", "-u", "nobody", "--", "bash", "/tmp/install.sh", "--admin", "dana"],
                                   check=False)
    assert result.returncode != 0
    assert "run this as root" in _error_line(result)
    _nothing_of_ours(machine)


def test_refuses_a_missing_key_file(machine: Installation) -> None:
    result = _run(machine, "--submission-key /root/nope.asc --admin dana")
    assert result.returncode != 0
    assert "/root/nope.asc does not exist" in _error_line(result)
    _nothing_of_ours(machine)


def test_refuses_an_unsupported_release(machine: Installation) -> None:
    machine.sh("cp -P /etc/os-release /root/os-release.saved && rm /etc/os-release && "
               "sed 's/^VERSION_ID=.*/VERSION_ID=\"11\"/' /usr/lib/os-release > /etc/os-release")
    try:
        result = _run(machine, f"--submission-key {KEY_FILE} --admin dana")
    finally:
        machine.sh("rm /etc/os-release && cp -P /root/os-release.saved /etc/os-release")
    assert result.returncode != 0
    assert "supports Debian 12 and 13 only" in _error_line(result)
    _nothing_of_ours(machine)


def test_refuses_a_port_already_taken(machine: Installation) -> None:
    # The container shares the host's loopback: a listener here takes the port there.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", machine.source_port))
        listener.listen()
        result = _run(machine, f"--submission-key {KEY_FILE} --admin dana --source-port {machine.source_port}")
    assert result.returncode != 0
    assert f"port {machine.source_port} on 127.0.0.1 is already in use" in _error_line(result)
    _nothing_of_ours(machine)


def test_refuses_a_secret_key(machine: Installation) -> None:
    secret = subprocess.run(["gpg", "--homedir", str(machine.gnupghome), "--batch", "--pinentry-mode", "loopback",
                             "--passphrase", "", "--armor", "--export-secret-keys"],
                            check=True, capture_output=True, text=True).stdout
    (machine.container.root / "root/secret.asc").write_text(secret)
    result = _run(machine, "--submission-key /root/secret.asc --admin dana")
    assert result.returncode != 0
    assert "holds a SECRET key" in _error_line(result)
    # The Debian packages are in (a re-run needs them anyway), but nothing of ours.
    _nothing_of_ours(machine)


# -- the install, exactly as the README says ------------------------------------------------------
def test_install_as_the_readme_says(machine: Installation) -> None:
    result = machine.install()
    print(f"\ninstaller wall time: {machine.seconds:.0f} s")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    out = result.stdout
    machine.output = out
    assert re.search(r"^Passphrase: +\S+( \S+){6}$", out, re.M)
    assert re.search(r"^TOTP secret: +[A-Z2-7 ]{20,}$", out, re.M)
    assert re.search(r"^  [a-z2-7]{56}:descriptor:x25519:[A-Z2-7]{52}$", out, re.M), "no .auth_private line"
    assert len(set(_addresses(out))) == 2
    assert "Back it up now" in out


def test_both_units_are_active(machine: Installation) -> None:
    states = machine.container.run(["systemctl", "is-active", "securedrop-serve", "securedrop-worker",
                                    "tor@default"], check=False).stdout.split()
    assert states == ["active", "active", "active"]


def test_status_reports_both_onion_addresses(machine: Installation) -> None:
    status = _status(machine)
    source, journalist = _addresses(status)
    assert source != journalist
    assert set(_addresses(machine.output)) == {source, journalist}
    assert re.search(r"^Source onion: .* published$", status, re.M), status
    assert "published for 1 client key" in status
    assert "(usable)" in status
    metadata = requests.get(f"http://127.0.0.1:{machine.source_port}/metadata", timeout=30).json()
    assert metadata["v3_source_url"] == f"{source}.onion"


def test_the_installed_package_serves_translations(machine: Installation) -> None:
    page = requests.get(f"http://127.0.0.1:{machine.journalist_port}/login?l=fr_FR", timeout=60)
    assert page.status_code == 200
    assert 'lang="fr' in page.text and "Se connecter" in page.text


def test_modes_and_owners(machine: Installation) -> None:
    listing = machine.sh(f"stat -c '%n %a %U' {DATA} /etc/securedrop /etc/securedrop/config.toml {DATA}/db.sqlite "
                         f"{DATA}/onion {DATA}/onion/source.key {DATA}/keys")
    modes = dict((name, (mode, owner)) for name, mode, owner in (line.split() for line in listing.splitlines()))
    assert modes[DATA] == ("700", "securedrop")
    assert modes["/etc/securedrop"] == ("700", "securedrop")
    assert modes["/etc/securedrop/config.toml"] == ("600", "securedrop")
    assert modes[f"{DATA}/db.sqlite"] == ("600", "securedrop")
    assert modes[f"{DATA}/onion/source.key"] == ("600", "securedrop")
    assert machine.sh("getent passwd securedrop | cut -d: -f7").strip() == "/usr/sbin/nologin"
    # Nothing for development in production: no test tools in the venv.
    assert "pytest" not in machine.sh("/opt/securedrop/venv/bin/pip list --format=freeze")


def test_source_message_lands_encrypted(machine: Installation) -> None:
    base = f"http://127.0.0.1:{machine.source_port}"
    http = new_source_over_http(base)
    token = csrf_from(http.get(base + "/lookup", timeout=60).text)
    sent = http.post(base + "/submit", data={"csrf_token": token, "msg": "the system tier was here"},
                     timeout=120, allow_redirects=False)
    assert sent.status_code == 302, sent.status_code
    stored = sorted((machine.container.root / DATA.lstrip("/") / "store").glob("*/*-msg.gpg"))
    assert len(stored) == 1
    ciphertext = stored[0].read_bytes()
    assert b"system tier" not in ciphertext
    plaintext = subprocess.run(["gpg", "--homedir", str(machine.gnupghome), "--batch", "--decrypt"],
                               input=ciphertext, check=True, capture_output=True).stdout
    assert plaintext.decode() == "the system tier was here"


def test_admin_logs_in_with_the_printed_credentials(machine: Installation) -> None:
    passphrase = re.search(r"^Passphrase: +(.+)$", machine.output, re.M)
    secret = re.search(r"^TOTP secret: +([A-Z2-7 ]+)$", machine.output, re.M)
    assert passphrase and secret
    base = f"http://127.0.0.1:{machine.journalist_port}"
    http = requests.Session()
    token = csrf_from(http.get(base + "/login", timeout=60).text)
    code = pyotp.TOTP(secret.group(1).replace(" ", "")).now()
    answer = http.post(base + "/login", data={"csrf_token": token, "username": "dana",
                                              "password": passphrase.group(1).strip(), "token": code},
                       timeout=60, allow_redirects=False)
    assert answer.status_code == 302, answer.status_code
    index = http.get(base + "/", timeout=60)
    assert index.status_code == 200 and "dana" in index.text


# -- a second run, then a failing tor config ----------------------------------------------------
def test_second_run_changes_nothing(machine: Installation) -> None:
    before, status_before = _snapshot(machine), _status(machine)
    result = machine.install()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "The installed package is this checkout already" in result.stdout
    assert "Passphrase:" not in result.stdout  # the admin exists: no second one
    assert _snapshot(machine) == before
    assert _addresses(_status(machine)) == _addresses(status_before)


def test_a_torrc_tor_rejects_stops_and_changes_nothing(machine: Installation) -> None:
    machine.sh("cp -p /etc/tor/torrc /root/torrc.good && echo 'NoSuchTorOption 1' >> /etc/tor/torrc")
    try:
        result = machine.install()
        assert result.returncode != 0
        assert "tor rejects /etc/tor/torrc" in _error_line(result)
        assert machine.sh("tail -1 /etc/tor/torrc").strip() == "NoSuchTorOption 1"  # the operator's line stays
        assert machine.container.run(["systemctl", "is-active", "tor@default"], check=False).stdout.strip() == "active"
    finally:
        machine.sh("cp -p /root/torrc.good /etc/tor/torrc")
    again = machine.install()
    assert again.returncode == 0, again.stderr[-3000:]


# -- upgrade: a newer checkout with a migration -------------------------------------------------------
def _head_revision() -> str:
    from alembic.script import ScriptDirectory

    from securedrop.db import alembic_config

    return str(ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head())


def _add_migration(machine: Installation, revision: str, down: str, body: str) -> Path:
    path = machine.container.root / PROJECT.lstrip("/") / "securedrop/migrations/versions" / f"{revision}.py"
    path.write_text(
        f'"""System-test fixture migration {revision}."""\n\nimport sqlalchemy as sa\nfrom alembic import op\n\n'
        f'revision = "{revision}"\ndown_revision = "{down}"\nbranch_labels = None\ndepends_on = None\n\n\n'
        f"def upgrade() -> None:\n    {body}\n\n\ndef downgrade() -> None:\n    pass\n"
    )
    return path


def _sql(machine: Installation, query: str) -> str:
    return machine.container.run(
        ["runuser", "-u", "securedrop", "--", "/opt/securedrop/venv/bin/python", "-I", "-c",
         f"import sqlite3; print(sqlite3.connect('{DATA}/db.sqlite').execute(\"{query}\").fetchall())"]).stdout.strip()


def test_upgrade_backs_up_migrates_and_keeps_the_data(machine: Installation) -> None:
    before = _snapshot(machine)
    _add_migration(machine, FIXTURE_REVISION, _head_revision(),
                   'op.create_table("system_test_marker", sa.Column("id", sa.Integer, primary_key=True))')
    result = machine.install()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Backup before upgrading" in result.stdout
    assert f"-> {FIXTURE_REVISION}" in result.stdout
    assert _sql(machine, "select version_num from alembic_version") == f"[('{FIXTURE_REVISION}',)]"
    assert _sql(machine, "select count(*) from submissions") == "[(1,)]"
    assert _snapshot(machine) == before
    assert "1 sources, 1 submissions" in _status(machine)


def test_failed_migration_puts_the_old_database_back(machine: Installation) -> None:
    path = _add_migration(machine, FAILING_REVISION, FIXTURE_REVISION,
                          'op.create_table("half_done", sa.Column("id", sa.Integer)); raise RuntimeError("fixture")')
    try:
        result = machine.install()
        assert result.returncode != 0
        assert "the old database is back in place" in _error_line(result)
        assert _sql(machine, "select version_num from alembic_version") == f"[('{FIXTURE_REVISION}',)]"
        assert "half_done" not in _sql(machine, "select name from sqlite_master")
        assert machine.container.run(["systemctl", "is-active", "securedrop-serve"],
                                     check=False).stdout.strip() == "active"
    finally:
        path.unlink()
    again = machine.install()  # the fix: the checkout without the broken migration
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]


# -- tor never touched the network; the machine powers off cleanly -------------------------------------
def test_tor_never_attempted_a_connection(machine: Installation) -> None:
    assert "DisableNetwork 1" in machine.sh("cat /etc/tor/torrc")
    log = machine.sh("cat /var/log/tor/info.log")
    assert "DisableNetwork is set" in log
    for attempt in (r"Bootstrapped [1-9]", r"connection_connect", r"Opening OR connection", r"Launching \d+ request"):
        assert not re.search(attempt, log), attempt


def test_powers_off_cleanly(machine: Installation) -> None:
    assert machine.container.stop(timeout=90), "systemctl poweroff did not end the container in time"
    assert (REPO / "README.md").exists()  # the host's tree is untouched by the container's mounts
