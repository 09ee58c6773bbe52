"""Locale negotiation, right-to-left scripts and the language menu, over flask-babel."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.units import format_unit
from flask import Flask, current_app, request, session
from flask_babel import Babel, get_locale
from werkzeug.exceptions import HTTPException

from securedrop.config import TRANSLATIONS_DIR
from securedrop.domain.languages import offered_locales
from securedrop.web.state import instance_config

FALLBACK = "en_US"
#: Browser tags whose region implies a script (REFERENCE §13).
_SCRIPT_ALIASES = {
    "zh_cn": "zh_Hans",
    "zh_sg": "zh_Hans",
    "zh_hans": "zh_Hans",
    "zh_tw": "zh_Hant",
    "zh_hk": "zh_Hant",
    "zh_mo": "zh_Hant",
    "zh_hant": "zh_Hant",
    "zh": "zh_Hans",
}


@dataclass(frozen=True)
class LanguageChoice:
    code: str
    name: str  # in its own language
    tag: str  # BCP 47, for <html lang> and hreflang


def available_locales(configured: tuple[str, ...], translations_dir: Path | None = None) -> list[str]:
    """Configured locales that can actually be shown: English, or those with a compiled catalog."""
    translations_dir = translations_dir or TRANSLATIONS_DIR
    usable = []
    for code in configured:
        if code == FALLBACK or (translations_dir / code / "LC_MESSAGES" / "messages.mo").exists():
            usable.append(code)
    if FALLBACK not in usable:
        usable.insert(0, FALLBACK)
    return usable


def match_locale(tag: str, supported: list[str]) -> str | None:
    """The supported locale a browser or query tag means, if any (`fr-CA` finds `fr_FR`)."""
    normalized = tag.strip().replace("-", "_")
    if not normalized or len(normalized) > 35:
        return None
    lowered = {code.lower(): code for code in supported}
    if normalized.lower() in lowered:
        return lowered[normalized.lower()]
    alias = _SCRIPT_ALIASES.get(normalized.lower())
    if alias and alias in supported:
        return alias
    language = normalized.split("_", 1)[0].lower()
    alias = _SCRIPT_ALIASES.get(language)
    if alias and alias in supported:
        return alias
    for code in supported:
        if code.split("_", 1)[0].lower() == language:
            return code
    return None


def bcp47(code: str) -> str:
    return code.replace("_", "-")


def text_direction(code: str) -> str:
    try:
        return Locale.parse(code).text_direction
    except (UnknownLocaleError, ValueError):
        return "ltr"


#: Names people look for that differ from CLDR's (CLDR calls Indonesian "Indonesia").
_NATIVE_NAMES = {"id": "Bahasa Indonesia"}


def native_name(code: str) -> str:
    """The language's name in itself, as its speakers would look for it in a menu."""
    if code in _NATIVE_NAMES:
        return _NATIVE_NAMES[code]
    try:
        name = Locale.parse(code).get_display_name(code) or code
    except (UnknownLocaleError, ValueError):
        return code
    return name[:1].upper() + name[1:]


def fallback_locale(default: str, supported: Collection[str]) -> str:
    """The language a page falls back to: the configured default if it can be shown."""
    return default if default in supported else FALLBACK


def offered_now(default: str, supported: tuple[str, ...]) -> list[str]:
    """The languages offered right now (the admin's choice among `supported`)."""
    return offered_locales(instance_config(), supported, always=fallback_locale(default, supported))


def install(
    app: Flask, configured: tuple[str, ...], default: str, translations_dir: Path | None = None
) -> tuple[str, ...]:
    """Wire flask-babel: `?l=` → remembered choice → Accept-Language → default → en_US.

    Only the languages an admin offers (Admin → Languages) are chosen or listed; the
    rest of the installed ones stay ready to be offered again. Returns the locales that
    can actually be shown (for the app state).
    """
    supported = tuple(available_locales(configured, translations_dir))
    fallback = fallback_locale(default, supported)
    choices = {code: LanguageChoice(code, native_name(code), bcp47(code)) for code in supported}

    def offered() -> list[str]:
        return offered_now(default, supported)

    def select_locale() -> str:
        usable = offered()
        requested = request.args.get("l")
        if requested:
            chosen = match_locale(requested, usable)
            if chosen is not None:
                session["locale"] = chosen
                return chosen
        remembered = session.get("locale")
        if isinstance(remembered, str) and remembered in usable:
            return remembered
        for tag, _quality in request.accept_languages:
            chosen = match_locale(tag, usable)
            if chosen is not None:
                return chosen
        return fallback

    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(translations_dir or TRANSLATIONS_DIR)
    app.config["BABEL_DEFAULT_LOCALE"] = FALLBACK
    Babel(app, locale_selector=select_locale)
    app.jinja_env.filters["filesize"] = format_size

    @app.context_processor
    def _locale_context() -> dict[str, object]:
        current = str(get_locale() or fallback)
        menu = [choices[code] for code in offered()]
        return {
            "html_lang": bcp47(current),
            "html_dir": text_direction(current),
            "current_locale": current,
            "language_menu": menu if len(menu) > 1 else [],
            "language_base": language_base(),
        }

    return supported


#: CLDR's unit names, largest first, with the bytes each stands for (decimal, as CLDR means them).
_SIZE_UNITS = (("digital-gigabyte", 1000**3), ("digital-megabyte", 1000**2), ("digital-kilobyte", 1000))


def format_size(num_bytes: int) -> str:
    """A file size in the page's language: "1.5 MB", "1,5 Mo", "512 Byte"."""
    locale = get_locale() or Locale.parse(FALLBACK)
    for unit, size in _SIZE_UNITS:
        if num_bytes >= size:
            return format_unit(round(num_bytes / size, 1), unit, length="short", locale=locale)
    return format_unit(num_bytes, "digital-byte", length="short", locale=locale)


def language_base() -> str:
    """The path the language menu's `?l=` links go to: this page, as a GET can reach it.

    A page answering a POST (a failed submission, the logout advice) must not link to a
    URL that a GET would reject with 405 or turn into something else: the same path if
    it takes GET, else the home page. A view that knows better passes its template a
    `language_return` (the failed submission's /lookup), which the menu prefers.
    """
    here = request.script_root + request.path
    if request.method in ("GET", "HEAD"):
        return here
    adapter = current_app.url_map.bind("localhost", script_name=request.script_root or "/")
    try:
        adapter.match(request.path, method="GET")
    except HTTPException:  # 405, 404, or a redirect: none of them shows this page again
        return request.script_root + "/"
    return here
