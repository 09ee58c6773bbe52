"""Codenames for sources and two-word designations journalists see, drawn with `secrets`."""

from __future__ import annotations

import re
import secrets

from securedrop.crypto.wordlists import designation_words, diceware_phrase

CODENAME_WORDS = 7
CODENAME_MAX_LENGTH = 128
_ALLOWED = re.compile(r"[A-Za-z0-9\-\s]+")


def generate_codename(language: str = "en") -> str:
    """Seven words from the list of the source's language, joined by single spaces."""
    return diceware_phrase(CODENAME_WORDS, language)


def normalize_codename(raw: str) -> str | None:
    """The canonical form of a typed codename, or None when it cannot be one.

    Strips surrounding whitespace and collapses inner runs of whitespace, so a
    codename copied with a line break still works.
    """
    collapsed = " ".join(raw.split())
    if not collapsed or len(collapsed) > CODENAME_MAX_LENGTH or not _ALLOWED.fullmatch(collapsed):
        return None
    return collapsed


def generate_designation() -> str:
    """"adjective noun", lower case, e.g. "ominous zest"."""
    adjectives, nouns = designation_words()
    return f"{secrets.choice(adjectives)} {secrets.choice(nouns)}"
