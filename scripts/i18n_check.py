"""`make i18n-check`: fail on what breaks a page, report what awaits a translator.

Fails (exit 1) only on real breakage: a catalog that does not parse or compile, a
catalog-wide fuzzy header (the compiler would skip the whole file), a `Plural-Forms`
that does not match the language, a shipped translation that lost, renamed or added a
placeholder or an HTML tag, or (translations/glossary.toml) a Tor Browser label that
is not Tor Browser's own word. Fuzzy and missing entries fall back to English at run
time: they are listed as "needs review" and "missing" in a table of locales against
both interfaces, never a failure.
"""

from __future__ import annotations

import gettext
import sys
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from securedrop.catalogs import is_draft, msgid_of, shape_problem, shipped_catalog, strings_of

sys.path.insert(0, str(Path(__file__).resolve().parent))
from i18n_glossary import glossary_findings  # noqa: E402 (path above)

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "securedrop" / "translations"
PACKAGE = ROOT / "securedrop"
METHOD_MAP = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
KEYWORDS = {
    "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_": None,
    "pgettext": ((1, "c"), 2), "npgettext": ((1, "c"), 2, 3), "lazy_pgettext": ((1, "c"), 2),
}


def _keys(directory: Path) -> set[tuple[str, str | None]]:
    found = set()
    for _name, _line, message, _comments, context in extract_from_dir(str(directory), METHOD_MAP, keywords=KEYWORDS):
        found.add((message[0] if isinstance(message, (list, tuple)) else message, context))
    return found


def interface_keys() -> tuple[set[tuple[str, str | None]], set[tuple[str, str | None]]]:
    """(source-interface, journalist-interface) (msgid, msgctxt) pairs."""
    shared = _keys(PACKAGE / "web")  # the language menu and flashes appear in both
    journalist = _keys(PACKAGE / "journalist_app") | _keys(PACKAGE / "api") | shared
    return _keys(PACKAGE / "source_app") | shared, journalist


def interface_msgids() -> tuple[set[str], set[str]]:
    """(source-interface msgids, journalist-interface msgids)."""
    source, journalist = interface_keys()
    return {key[0] for key in source}, {key[0] for key in journalist}


@dataclass
class Tally:
    """How many of one interface's strings a catalog has done, in review, or lacks."""

    complete: int = 0
    review: int = 0
    missing: int = 0

    def cell(self) -> str:
        return f"{self.complete:>4} {self.review:>4} {self.missing:>4}"


@dataclass
class Result:
    locale: str
    problems: list[str] = field(default_factory=list)
    tallies: dict[str, Tally] = field(default_factory=dict)
    unverified: list[str] = field(default_factory=list)  # Tor Browser labels not yet in the glossary


def state(message: Message | None) -> str:
    """"complete", "review" (fuzzy, machine draft included) or "missing"."""
    if message is None or not all(strings_of(message)):
        return "missing"
    return "review" if message.fuzzy else "complete"


def _plural_problems(catalog: Catalog, locale: str) -> list[str]:
    expected = get_plural(locale).num_plurals
    problems = []
    if catalog.num_plurals != expected:
        problems.append(f"Plural-Forms says nplurals={catalog.num_plurals}; {locale} has {expected}")
    try:
        chooser = gettext.c2py(catalog.plural_expr)
        if any(not 0 <= chooser(n) < catalog.num_plurals for n in [*range(1001), 1_000_000, 2_000_001]):
            problems.append("Plural-Forms expression picks a form that does not exist")
    except (ValueError, SyntaxError) as exc:
        problems.append(f"Plural-Forms expression does not parse: {exc}")
    for message in catalog:
        if isinstance(message.id, (list, tuple)) and message.string and len(strings_of(message)) != expected:
            problems.append(f"{msgid_of(message)!r} has {len(strings_of(message))} plural forms, not {expected}")
    return problems


def check_catalog(path: Path, interfaces: dict[str, set[tuple[str, str | None]]]) -> Result:
    locale = path.parent.parent.name
    result = Result(locale)
    try:
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale, abort_invalid=True)
        write_mo(BytesIO(), shipped_catalog(catalog))
    except Exception as exc:  # noqa: BLE001 (any parse or compile failure is the finding)
        result.problems.append(f"does not compile: {exc}")
        return result
    if catalog.fuzzy:
        result.problems.append("the header is marked fuzzy: the whole catalog would be skipped")
    result.problems += _plural_problems(catalog, locale)
    for message in catalog:
        if message.id and (not message.fuzzy or is_draft(message)) and shape_problem(message):
            result.problems.append(f"placeholders or tags differ from the English in {msgid_of(message)!r}")
    glossary_failures, result.unverified = glossary_findings(catalog, locale)
    result.problems += glossary_failures
    by_key = {(msgid_of(m), m.context): m for m in catalog if m.id}
    for name, keys in interfaces.items():
        tally = Tally()
        for key in keys:
            setattr(tally, state(by_key.get(key)), getattr(tally, state(by_key.get(key))) + 1)
        result.tallies[name] = tally
    return result


def report(results: list[Result]) -> str:
    lines = [
        "locale      | source: done review missing | journalist: done review missing",
        "------------+-----------------------------+---------------------------------",
    ]
    for result in results:
        if result.tallies:
            source, journalist = result.tallies["source"], result.tallies["journalist"]
            lines.append(f"{result.locale:<11} |       {source.cell()}     |           {journalist.cell()}")
    return "\n".join(lines)


def main() -> int:
    source, journalist = interface_keys()
    interfaces = {"source": source, "journalist": journalist}
    results = [check_catalog(path, interfaces) for path in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))]
    print(report(results))
    print("done: reviewed; review: fuzzy (machine drafts are shipped, other fuzzy entries show English);"
          " missing: shows English")
    unverified = [f"{result.locale} ({', '.join(result.unverified)})" for result in results if result.unverified]
    if unverified:
        print("glossary: Tor Browser's own words still to be entered for: " + "; ".join(unverified))
    problems = [f"{result.locale}: {problem}" for result in results for problem in result.problems]
    for problem in problems:
        print(problem)
    print(f"i18n-check: {len(results)} catalogs, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
