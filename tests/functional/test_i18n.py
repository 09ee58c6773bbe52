"""Languages: negotiation, right-to-left, every source page translated in every catalog,
and a pseudo-locale that catches strings never marked for translation."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from securedrop.config import TRANSLATIONS_DIR, Settings, shipped_locales
from securedrop.i18n import match_locale
from securedrop.services import Services, build_services
from tests.conftest import SubmissionKey, make_settings
from tests.functional import source_journey as journey

ROOT = Path(__file__).resolve().parents[2]
LOCALES = [code for code in shipped_locales() if code != "en_US"]
SUPPORTED = ["en_US", *LOCALES]


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("fr-CA", "fr_FR"),
        ("fr", "fr_FR"),
        ("zh-TW", "zh_Hant"),
        ("zh-HK", "zh_Hant"),
        ("zh-CN", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("de-AT", "de_DE"),
        ("pt-BR", "pt_BR"),
        ("pt-PT", "pt_PT"),
        ("nb", "nb_NO"),
        ("AR", "ar"),
        ("en", "en_US"),
        ("xx-YY", None),
        ("", None),
        ("*", None),
        ("a" * 100, None),
    ],
)
def test_match_locale(tag: str, expected: str | None) -> None:
    supported = ["en_US", "ar", "de_DE", "fr_FR", "nb_NO", "pt_BR", "pt_PT", "zh_Hans", "zh_Hant"]
    assert match_locale(tag, supported) == expected


@pytest.fixture
def i18n_services(tmp_path: Path, sqlite_template: Path, submission_key: SubmissionKey) -> Services:
    shutil.copy(sqlite_template, tmp_path / "db.sqlite")
    settings = make_settings(tmp_path / "data", f"sqlite:///{tmp_path / 'db.sqlite'}",
                             supported_locales=tuple(SUPPORTED))
    services = build_services(settings)
    services.pgp.import_submission_key(submission_key.public)
    return services


def _app(services: Services, settings: Settings | None = None, translations: Path | None = None) -> Flask:
    from securedrop import i18n
    from securedrop.source_app import create_app

    if translations is not None:
        original = i18n.TRANSLATIONS_DIR
        i18n.TRANSLATIONS_DIR = translations
        try:
            app = create_app(settings or services.settings, services)
        finally:
            i18n.TRANSLATIONS_DIR = original
    else:
        app = create_app(settings or services.settings, services)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(i18n_services: Services) -> FlaskClient:
    return _app(i18n_services).test_client()


def _html_attrs(page: str) -> tuple[str, str]:
    match = re.search(r'<html lang="([^"]+)" dir="([^"]+)">', page)
    assert match
    return match.group(1), match.group(2)


def test_arabic_browser_gets_arabic_right_to_left(client: FlaskClient) -> None:
    page = client.get("/", headers={"Accept-Language": "ar,en;q=0.5"}).get_data(as_text=True)
    assert _html_attrs(page) == ("ar", "rtl")


def test_query_choice_sticks_for_the_session(client: FlaskClient) -> None:
    page = client.get("/?l=fr_FR").get_data(as_text=True)
    assert _html_attrs(page) == ("fr-FR", "ltr")
    later = client.get("/login", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert _html_attrs(later)[0] == "fr-FR"


def test_header_negotiation_finds_regional_variants(client: FlaskClient) -> None:
    assert _html_attrs(client.get("/", headers={"Accept-Language": "zh-TW"}).get_data(as_text=True))[0] == "zh-Hant"
    assert _html_attrs(client.get("/", headers={"Accept-Language": "fr-CA"}).get_data(as_text=True))[0] == "fr-FR"


@pytest.mark.parametrize("query", ["xx", "../../etc", "ar_ZZ_bad%00", "", "fr_FR" * 50])
def test_unknown_query_language_falls_back_quietly(client: FlaskClient, query: str) -> None:
    response = client.get(f"/?l={query}", headers={"Accept-Language": "en"})
    assert response.status_code == 200


@pytest.mark.parametrize("header", ["", ";;;,,,", "q=1", "en;q=abc", "x" * 500, "zz-ZZ;q=0.9,*;q=0.1"])
def test_malformed_accept_language_never_500s(client: FlaskClient, header: str) -> None:
    response = client.get("/", headers={"Accept-Language": header})
    assert response.status_code == 200
    assert _html_attrs(response.get_data(as_text=True))[0] == "en-US"


def test_language_menu_lists_every_locale_as_plain_links(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    for code in SUPPORTED:
        assert f'href="/?l={code}"' in page
    assert "<script" not in page


def test_metadata_lists_supported_languages(client: FlaskClient) -> None:
    assert client.get("/metadata").get_json()["supported_languages"] == SUPPORTED


def test_codename_follows_the_language(client: FlaskClient) -> None:
    from securedrop.crypto.wordlists import codename_words

    client.get("/?l=fr_FR")
    codename, _tab = journey.generate(client)
    french = set(codename_words("fr"))
    assert all(word in french for word in codename.split())


def _journey_pages(client: FlaskClient, locale: str) -> dict[str, str]:
    pages = {}
    client.get(f"/?l={locale}")
    for path in ("/", "/login", "/use-tor", "/why-public-key", "/no-such-page"):
        pages[path] = client.get(path).get_data(as_text=True)
    token = journey.csrf_token(client, "/")
    pages["/generate"] = client.post(
        "/generate", data={"csrf_token": token, "tor2web_check": journey.TOR2WEB_CHECK}
    ).get_data(as_text=True)
    journey.create(client)
    pages["/lookup"] = client.get("/lookup").get_data(as_text=True)
    pages["/submit (error)"] = journey.submit(client, "").get_data(as_text=True)
    journey.submit(client, "hello")
    pages["/lookup (after)"] = client.get("/lookup").get_data(as_text=True)
    pages["/logout"] = journey.logout(client).get_data(as_text=True)
    return pages


def _source_msgids() -> set[str]:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from i18n_check import interface_msgids
    finally:
        sys.path.pop(0)
    return interface_msgids()[0]


@pytest.mark.skipif(not LOCALES, reason="no catalogs shipped")
def test_every_source_page_is_translated_in_every_locale(i18n_services: Services) -> None:
    source_ids = _source_msgids()
    untranslated: list[str] = []
    for locale in LOCALES:
        with (TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        translated = "\n".join(
            "\n".join(m.string) if isinstance(m.string, tuple) else m.string for m in catalog if m.id
        )

        def words(text: str) -> re.Pattern[str]:
            # Whole words only: French "Continuer" must not count as "Continue".
            return re.compile(rf"(?<!\w){re.escape(text)}(?!\w)")

        english = [
            words(m.id) for m in catalog
            if isinstance(m.id, str) and m.id in source_ids and m.string and m.string != m.id and len(m.id) > 3
            # Dutch "Log in" is Dutch too: skip English that the translations themselves use.
            and not words(m.id).search(translated)
        ]
        client = _app(i18n_services).test_client()
        for path, page in _journey_pages(client, locale).items():
            assert _html_attrs(page)[0] == locale.replace("_", "-"), (locale, path)
            text = html.unescape(page)
            untranslated += [f"{locale} {path}: {msgid.pattern!r}" for msgid in english if msgid.search(text)]
    assert untranslated == []


class _TextCollector(HTMLParser):
    """Visible text nodes, skipping the language menu (native names) and data we render."""

    SKIP_CLASSES = {"languages", "codename", "brand"}

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip_depth = 0
        self._stack: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"meta", "link", "input", "br", "img"}:
            return
        classes = set((dict(attrs).get("class") or "").split())
        skip = bool(classes & self.SKIP_CLASSES) or tag in {"style", "script", "blockquote", "code"}
        self._stack.append(skip)
        self._skip_depth += skip

    def handle_endtag(self, tag: str) -> None:
        if tag in {"meta", "link", "input", "br", "img"} or not self._stack:
            return
        self._skip_depth -= self._stack.pop()

    def handle_data(self, data: str) -> None:
        if not self._skip_depth and data.strip():
            self.texts.append(data.strip())


def test_pseudo_locale_catches_unmarked_strings(i18n_services: Services, tmp_path: Path) -> None:
    """Every msgid becomes ⟦msgid⟧ in a pseudo catalog; any visible text outside the
    brackets was never marked for translation."""
    translations = tmp_path / "translations"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "init", "-i", str(TRANSLATIONS_DIR / "messages.pot"),
         "-d", str(translations), "-l", "eo"],
        check=True, capture_output=True,
    )
    po = translations / "eo" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="eo")
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            message.string = tuple(f"⟦{message.id[min(i, 1)]}⟧" for i in range(2))
        else:
            message.string = f"⟦{message.id}⟧"
    with (po.parent / "messages.mo").open("wb") as handle:
        write_mo(handle, catalog)
    settings = i18n_services.settings.with_overrides(supported_locales=("en_US", "eo"))
    client = _app(i18n_services, settings, translations).test_client()
    leaks = []
    for path, page in _journey_pages(client, "eo").items():
        collector = _TextCollector()
        collector.feed(page)
        for text in collector.texts:
            outside = re.sub(r"⟦[^⟧]*⟧", "", text)
            outside = outside.replace("SecureDrop", "")  # the organisation's name is data
            if re.search(r"[A-Za-z]{2,}", outside):
                leaks.append(f"{path}: {text!r}")
    assert leaks == []


def test_language_names_are_what_speakers_look_for() -> None:
    from securedrop.i18n import native_name, text_direction

    assert native_name("id") == "Bahasa Indonesia"
    assert native_name("fr_FR").startswith("Français")
    # Right to left where the script is, including the languages planned next.
    assert [text_direction(code) for code in ("ar", "fa", "he", "ur", "ps", "ckb", "my")] == ["rtl"] * 6 + ["ltr"]


def test_the_language_menu_has_a_globe_drawn_without_script_or_image(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert '<span class="globe" aria-hidden="true"></span>' in page
    css = (ROOT / "securedrop" / "source_app" / "static" / "source.css").read_text(encoding="utf-8")
    assert ".globe::before" in css and "url(" not in css
