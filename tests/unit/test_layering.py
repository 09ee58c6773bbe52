"""Dependencies point one way: nothing below the web layer imports Flask; one importer each
for gnupg and stem."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "securedrop"
WEB_LAYER = {"source_app", "journalist_app", "api", "web", "i18n.py", "cli.py", "wsgi.py", "accounts_cli.py"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_nothing_below_the_web_layer_imports_flask() -> None:
    offenders = []
    for path in _modules():
        top = path.relative_to(PACKAGE).parts[0]
        if top in WEB_LAYER:
            continue
        if {"flask", "flask_babel", "flask_wtf", "werkzeug"} & _imports(path):
            offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []


def test_only_openpgp_imports_gnupg_and_only_onion_imports_stem() -> None:
    gnupg_users = [p.relative_to(PACKAGE).as_posix() for p in _modules() if "gnupg" in _imports(p)]
    stem_users = [p.relative_to(PACKAGE).as_posix() for p in _modules() if "stem" in _imports(p)]
    assert gnupg_users == ["crypto/openpgp.py"]
    assert stem_users and all(path.startswith("onion/") for path in stem_users)


def test_every_module_opens_with_a_docstring() -> None:
    missing = [
        str(p.relative_to(PACKAGE))
        for p in _modules()
        if "migrations" not in p.parts and ast.get_docstring(ast.parse(p.read_text())) is None
    ]
    assert missing == []
