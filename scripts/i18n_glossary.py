"""Tor Browser's own words (translations/glossary.toml): every shipped translation that
names one of its labels must use them, or, where Tor Browser is not translated, follow
the translated label with the English one in parentheses."""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog

from securedrop.catalogs import is_draft, msgid_of, strings_of

GLOSSARY = Path(__file__).resolve().parent.parent / "securedrop" / "translations" / "glossary.toml"


@cache
def load(path: Path = GLOSSARY) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def _english_in_parentheses(label: str, text: str) -> bool:
    return re.search(rf"\([^)]*{re.escape(label)}[^)]*\)", text) is not None


def glossary_findings(catalog: Catalog, locale: str, glossary: dict[str, Any] | None = None
                      ) -> tuple[list[str], list[str]]:
    """(problems that fail the check, labels still unverified for this locale)."""
    glossary = glossary or load()
    entry = glossary.get("locales", {}).get(locale)
    if entry is None:
        return [f"not in translations/glossary.toml: say whether Tor Browser is translated into {locale}"], []
    words = {**glossary.get("default", {}), **{k: v for k, v in entry.items() if k not in ("tor_browser", "source")}}
    patterns = {label: re.compile(pattern) for label, pattern in glossary["terms"].items()}
    rule_labels = set(glossary["rule"]["labels"])
    problems: list[str] = []
    unverified: set[str] = set()
    for message in catalog:
        if not message.id or (message.fuzzy and not is_draft(message)) or not all(strings_of(message)):
            continue  # not shipped: the page shows the English, which is Tor Browser's own
        english = msgid_of(message)
        for label, pattern in patterns.items():
            if not pattern.search(english):
                continue
            for text in strings_of(message):
                if label in words:
                    if words[label].casefold() not in text.casefold():
                        problems.append(f"{english!r} names {label!r}: Tor Browser says {words[label]!r}")
                elif not entry.get("tor_browser") and label in rule_labels:
                    if not _english_in_parentheses(label, text):
                        problems.append(f"{english!r} names {label!r}: add the English label in parentheses")
                elif entry.get("tor_browser") and label in rule_labels:
                    unverified.add(label)
    return problems, sorted(unverified)


def glossary_problems(catalog: Catalog, locale: str) -> list[str]:
    return glossary_findings(catalog, locale)[0]
