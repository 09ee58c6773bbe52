"""The localizers' review workflow: what ships, what falls back to English, what fails the check."""

from __future__ import annotations

import gettext
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import i18n_check  # noqa: E402 (scripts/ is not a package)
import i18n_compile  # noqa: E402 (scripts/ is not a package)

from securedrop.catalogs import DRAFT_COMMENT  # noqa: E402 (after the path set-up above, like the others)

HEADER = """msgid ""
msgstr ""
"Language: {locale}\\n"
"Plural-Forms: {plural}\\n"
"Content-Type: text/plain; charset=utf-8\\n"

"""
DRAFT = f"# {DRAFT_COMMENT}\n#, fuzzy\n"


def _catalog(tmp_path: Path, body: str, locale: str = "de_DE",
             plural: str = "nplurals=2; plural=(n != 1);") -> Path:
    po = tmp_path / locale / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text(HEADER.format(locale=locale, plural=plural) + body, encoding="utf-8")
    return po


def _translations(po: Path) -> gettext.GNUTranslations:
    with i18n_compile.compile_catalog(po).open("rb") as handle:
        return gettext.GNUTranslations(handle)


def test_reviewed_and_draft_entries_ship_the_rest_falls_back_to_english(tmp_path: Path) -> None:
    po = _catalog(tmp_path, (
        'msgid "Reviewed"\nmsgstr "Geprüft"\n\n'
        + DRAFT + 'msgid "Draft"\nmsgstr "Entwurf"\n\n'
        # A translator sent it back for review: not shipped.
        + '#, fuzzy\nmsgid "Flagged"\nmsgstr "Markiert"\n\n'
        # The English changed since this was translated (i18n-update's #| line): not shipped.
        + DRAFT.replace("#, fuzzy", '#, fuzzy\n#| msgid "Old words"') + 'msgid "New words"\nmsgstr "Alte Wörter"\n\n'
        + 'msgid "Missing"\nmsgstr ""\n\n'
        # A lost placeholder would crash formatting or lose the number: not shipped.
        + 'msgid "Wait %(num)d seconds"\nmsgstr "Bitte warten"\n'
    ))
    shipped = _translations(po)
    assert shipped.gettext("Reviewed") == "Geprüft"
    assert shipped.gettext("Draft") == "Entwurf"
    for english in ("Flagged", "New words", "Missing", "Wait %(num)d seconds"):
        assert shipped.gettext(english) == english


def _problems(po: Path) -> list[str]:
    return i18n_check.check_catalog(po, {"source": set(), "journalist": set()}).problems


def test_fuzzy_and_missing_entries_are_reported_not_failed(tmp_path: Path) -> None:
    po = _catalog(tmp_path, DRAFT + 'msgid "Draft"\nmsgstr "Entwurf"\n\nmsgid "Missing"\nmsgstr ""\n')
    result = i18n_check.check_catalog(po, {"source": {("Draft", None), ("Missing", None), ("Absent", None)},
                                           "journalist": set()})
    assert result.problems == []
    tally = result.tallies["source"]
    assert (tally.complete, tally.review, tally.missing) == (0, 1, 2)


@pytest.mark.parametrize(
    ("body", "finding"),
    [
        ('msgid "Wait %(num)d seconds"\nmsgstr "Warten Sie %(zahl)d Sekunden"\n', "placeholders"),
        ('msgid "Read <b>this</b>"\nmsgstr "Lesen Sie dies"\n', "tags"),
        (DRAFT + 'msgid "Hello %(name)s"\nmsgstr "Hallo"\n', "placeholders"),
        ('garbage, not a keyword\nmsgid "Broken"\nmsgstr "Kaputt"\n', "does not compile"),
    ],
)
def test_real_breakage_fails(tmp_path: Path, body: str, finding: str) -> None:
    assert any(finding in problem for problem in _problems(_catalog(tmp_path, body)))


def test_wrong_plural_forms_fail(tmp_path: Path) -> None:
    po = _catalog(tmp_path, 'msgid "One"\nmsgstr "Eins"\n', locale="ru", plural="nplurals=2; plural=(n != 1);")
    assert any("Plural-Forms" in problem for problem in _problems(po))


def test_a_flagged_translation_with_a_wrong_placeholder_is_only_review(tmp_path: Path) -> None:
    # Fuzzy and not a draft: it never ships, so it cannot break a page.
    po = _catalog(tmp_path, '#, fuzzy\nmsgid "Hello %(name)s"\nmsgstr "Hallo"\n')
    assert _problems(po) == []


GLOSSARY = {
    "terms": {"Safest": "Safest", "New Identity": "New Identity"},
    "rule": {"labels": ["Safest", "New Identity"]},
    "default": {},
    "locales": {"ru": {"tor_browser": True, "Safest": "Высший"}, "ku": {"tor_browser": False}},
}


@pytest.mark.parametrize(
    ("locale", "translation", "fails"),
    [
        ("ru", "Установите уровень «Наиболее безопасный»", True),  # not what Tor Browser shows
        ("ru", "Установите уровень «Высший»", False),
        ("ku", 'Asta Ewlehiyê bikin "Herî Ewle"', True),  # a label Tor Browser does not show
        ("ku", 'Asta Ewlehiyê bikin "Herî Ewle" ("Safest")', False),
    ],
)
def test_tor_browser_labels_follow_the_glossary(tmp_path: Path, locale: str, translation: str, fails: bool) -> None:
    import i18n_glossary
    from babel.messages.pofile import read_po

    escaped = translation.replace('"', '\\"')
    po = _catalog(tmp_path, f'msgid "Set the Security Level to Safest"\nmsgstr "{escaped}"\n', locale=locale)
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    problems, _unverified = i18n_glossary.glossary_findings(catalog, locale, GLOSSARY)
    assert bool(problems) == fails, problems


def test_shipped_catalogs_pass_the_glossary_check() -> None:
    import i18n_glossary
    from babel.messages.pofile import read_po

    for po in sorted((ROOT / "translations").glob("*/LC_MESSAGES/messages.po")):
        locale = po.parent.parent.name
        with po.open("rb") as handle:
            problems, _ = i18n_glossary.glossary_findings(read_po(handle, locale=locale), locale)
        assert problems == [], (locale, problems)


def _template() -> list:  # list[Message]; babel ships no type information for it
    from babel.messages.pofile import read_po

    with (ROOT / "securedrop" / "translations" / "messages.pot").open("rb") as handle:
        return [message for message in read_po(handle) if message.id]


def test_the_template_gives_translators_context() -> None:
    messages = _template()
    # Every string says where it appears.
    assert all(message.locations for message in messages)
    # Ambiguous short strings are told apart by msgctxt.
    contexts = {(message.id if isinstance(message.id, str) else message.id[0], message.context)
                for message in messages}
    for expected in [("Log in", "page title"), ("Log in", "button"), ("Star", "button"), ("Star", "column"),
                     ("All", "select sources"), ("None", "select sources")]:
        assert expected in contexts
    # Short strings and placeholders carry a note for translators.
    noted = {message.id for message in messages if message.auto_comments}
    for msgid in ("Message", "Submit", "Welcome", "Share information securely with %(org)s"):
        assert msgid in noted


def test_the_template_lists_each_page_in_reading_order() -> None:
    lines_by_file: dict[str, list[int]] = {}
    for message in _template():
        path, line = message.locations[0]
        lines_by_file.setdefault(path, []).append(line)
    index = lines_by_file["securedrop/source_app/templates/index.html"]
    assert index == sorted(index) and len(index) > 5
