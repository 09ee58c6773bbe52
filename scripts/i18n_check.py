"""`make i18n-check`: every shipped catalog compiles, is complete where it must be, and
keeps every placeholder and HTML tag of its msgid.

Source-interface strings must be translated in every catalog; journalist-interface
strings in the catalogs named in JOURNALIST_LOCALES.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from io import BytesIO
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "securedrop" / "translations"
PACKAGE = ROOT / "securedrop"
JOURNALIST_LOCALES = {"ar", "de_DE", "es_ES", "fr_FR", "pt_BR", "ru", "zh_Hans"}
METHOD_MAP = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
KEYWORDS = {"gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_": None}
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]+\}")
TAG = re.compile(r"</?[a-zA-Z]+[^>]*>")


def _msgids(directory: Path) -> set[str]:
    found = set()
    for _name, _line, message, _comments, _context in extract_from_dir(
        str(directory), METHOD_MAP, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def interface_msgids() -> tuple[set[str], set[str]]:
    """(source-interface msgids, journalist-interface msgids)."""
    # The shared partials (language menu, flashes) are part of the source interface too.
    source = _msgids(PACKAGE / "source_app") | _msgids(PACKAGE / "web")
    journalist = _msgids(PACKAGE / "journalist_app") if (PACKAGE / "journalist_app").exists() else set()
    return source, journalist


def _shape(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER.findall(text)) + Counter(TAG.findall(text))


def check_catalog(path: Path, required: set[str]) -> list[str]:
    problems = []
    locale = path.parent.parent.name
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    try:
        write_mo(BytesIO(), catalog)
    except Exception as exc:  # any compile failure is a finding
        problems.append(f"{locale}: does not compile: {exc}")
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"{locale}: fuzzy entry: {msgid!r}")
        if msgid in required and not all(strings):
            problems.append(f"{locale}: untranslated: {msgid!r}")
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        expected = _shape(ids[-1])
        for translated in strings:
            if translated and _shape(translated) != expected and _shape(translated) != _shape(ids[0]):
                problems.append(f"{locale}: placeholders or tags differ in {msgid!r}")
    present = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog if m.id}
    for missing in sorted(required - present):
        problems.append(f"{locale}: missing entry: {missing!r}")
    return problems


def main() -> int:
    source, journalist = interface_msgids()
    catalogs = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
    problems: list[str] = []
    for path in catalogs:
        locale = path.parent.parent.name
        required = source | (journalist if locale in JOURNALIST_LOCALES else set())
        problems += check_catalog(path, required)
    for problem in problems:
        print(problem)
    print(f"i18n-check: {len(catalogs)} catalogs, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
