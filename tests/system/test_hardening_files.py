"""The operator files under install_files/ parse, and the units score OK in systemd-analyze."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import STRICT

pytestmark = pytest.mark.system

FILES = Path(__file__).resolve().parents[2] / "install_files"
UNITS = sorted(FILES.glob("*.service"))


def need(tool: str) -> str:
    path = shutil.which(tool) or shutil.which(tool, path="/usr/sbin:/sbin")
    if path is None:
        message = f"{tool} is not installed (make test installs it through scripts/system-deps.sh)"
        if STRICT:
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.mark.parametrize("unit", UNITS, ids=[u.name for u in UNITS])
def test_unit_scores_ok_in_systemd_analyze(unit: Path) -> None:
    result = subprocess.run([need("systemd-analyze"), "security", "--offline=true", "--no-pager", str(unit)],
                            capture_output=True, text=True, check=False)
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout + result.stderr)
    assert match, result.stdout + result.stderr
    assert float(match.group(1)) <= 2.5, result.stdout


def test_units_keep_the_data_dir_the_only_writable_path() -> None:
    for unit in UNITS:
        text = unit.read_text()
        assert "ProtectSystem=strict" in text
        # The backup also writes its archives (the operator may move them: see the unit).
        writable = "/var/lib/securedrop /var/backups/securedrop" if unit.name == "securedrop-backup.service" \
            else "/var/lib/securedrop"
        assert re.findall(r"^ReadWritePaths=(.*)$", text, re.M) == [writable], unit.name


def test_apparmor_profile_parses() -> None:
    result = subprocess.run([need("apparmor_parser"), "-Q", "-K", str(FILES / "apparmor-securedrop")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_apparmor_profile_rejects_a_broken_copy(tmp_path: Path) -> None:
    """The parse check can fail: a profile with a syntax error is refused."""
    broken = tmp_path / "broken"
    broken.write_text((FILES / "apparmor-securedrop").read_text().replace("network unix stream,", "network unix {"))
    result = subprocess.run([need("apparmor_parser"), "-Q", "-K", str(broken)], capture_output=True, check=False)
    assert result.returncode != 0


def test_nftables_ruleset_parses() -> None:
    result = subprocess.run([need("nft"), "-c", "-f", str(FILES / "nftables.conf")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_nftables_ruleset_drops_by_default() -> None:
    text = (FILES / "nftables.conf").read_text()
    for chain in ("input", "forward", "output"):
        block = text.split(f"chain {chain} {{", 1)[1].split("}", 1)[0]
        assert "policy drop;" in block, chain


def test_install_script_is_valid_bash() -> None:
    result = subprocess.run(["bash", "-n", str(FILES / "install.sh")], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
