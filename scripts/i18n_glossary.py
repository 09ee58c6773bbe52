"""Tor Browser's own words: every translation that names one of its labels must use them."""

from __future__ import annotations

from babel.messages.catalog import Catalog


def glossary_problems(catalog: Catalog, locale: str) -> list[str]:
    return []
