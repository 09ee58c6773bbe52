"""A non-editable install of the package carries the compiled catalogs and serves every language."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Runs in the installed copy, away from the source tree: what an operator's install sees.
PROBE = """
import json, securedrop
from securedrop import config, i18n
print(json.dumps({
    "package": securedrop.__file__,
    "translations_dir": str(config.TRANSLATIONS_DIR),
    "shipped": list(config.shipped_locales()),
    "available": i18n.available_locales(config.shipped_locales()),
}))
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`pip install --no-deps --no-build-isolation` of a copy of the tree without any .mo."""
    base = tmp_path_factory.mktemp("packaging")
    source = base / "source"
    skip = shutil.ignore_patterns("__pycache__", "*.mo", "*.egg-info", "build")
    shutil.copytree(ROOT / "securedrop", source / "securedrop", ignore=skip)
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    assert not list(source.rglob("*.mo"))  # so only the build can have made them
    target = base / "site"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", str(target), str(source)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return target


def _probe(site: Path, cwd: Path) -> dict[str, object]:
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(site)}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=cwd, env=env, timeout=120, check=True
    )
    found: dict[str, object] = json.loads(result.stdout)
    return found


def test_the_installed_package_ships_every_compiled_catalog(installed: Path) -> None:
    catalogs = installed / "securedrop" / "translations"
    sources = sorted(p.parent.parent.name for p in (ROOT / "securedrop" / "translations").glob("*/LC_MESSAGES/*.po"))
    compiled = sorted(p.parent.parent.name for p in catalogs.glob("*/LC_MESSAGES/messages.mo"))
    assert "fr_FR" in sources and compiled == sources


def test_the_installed_package_serves_every_language(installed: Path, tmp_path: Path) -> None:
    found = _probe(installed, tmp_path)

    assert Path(str(found["package"])).is_relative_to(installed)  # not the editable checkout
    assert Path(str(found["translations_dir"])) == installed / "securedrop" / "translations"
    shipped = found["shipped"]
    assert isinstance(shipped, list) and "fr_FR" in shipped and len(shipped) > 30
    assert found["available"] == shipped  # each has a compiled catalog to serve


def test_the_installed_french_catalog_translates(installed: Path) -> None:
    from babel.messages.mofile import read_mo

    with (installed / "securedrop" / "translations" / "fr_FR" / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        catalog = read_mo(handle)
    translated = [m for m in catalog if m.id and m.string and m.string != m.id]
    assert len(translated) > 50
