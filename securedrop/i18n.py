"""Locale negotiation, right-to-left scripts and the language menu, over flask-babel."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError
from flask import Flask, request, session
from flask_babel import Babel, get_locale

from securedrop.config import TRANSLATIONS_DIR

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


def native_name(code: str) -> str:
    try:
        name = Locale.parse(code).get_display_name(code) or code
    except (UnknownLocaleError, ValueError):
        return code
    return name[:1].upper() + name[1:]


def install(
    app: Flask, configured: tuple[str, ...], default: str, translations_dir: Path | None = None
) -> tuple[str, ...]:
    """Wire flask-babel: `?l=` → remembered choice → Accept-Language → default → en_US.

    Returns the locales that can actually be shown (for the app state).
    """
    supported = available_locales(configured, translations_dir)
    fallback = default if default in supported else FALLBACK

    def select_locale() -> str:
        requested = request.args.get("l")
        if requested:
            chosen = match_locale(requested, supported)
            if chosen is not None:
                session["locale"] = chosen
                return chosen
        remembered = session.get("locale")
        if isinstance(remembered, str) and remembered in supported:
            return remembered
        for tag, _quality in request.accept_languages:
            chosen = match_locale(tag, supported)
            if chosen is not None:
                return chosen
        return fallback

    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(translations_dir or TRANSLATIONS_DIR)
    app.config["BABEL_DEFAULT_LOCALE"] = FALLBACK
    Babel(app, locale_selector=select_locale)
    menu = [LanguageChoice(code, native_name(code), bcp47(code)) for code in supported]

    @app.context_processor
    def _locale_context() -> dict[str, object]:
        current = str(get_locale() or fallback)
        return {
            "html_lang": bcp47(current),
            "html_dir": text_direction(current),
            "current_locale": current,
            "language_menu": menu if len(menu) > 1 else [],
        }

    return tuple(supported)
