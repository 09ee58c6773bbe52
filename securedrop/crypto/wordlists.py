"""Word lists from the `diceware` package, checked, and the diceware phrases drawn from them."""

from __future__ import annotations

import re
import secrets
from functools import cache
from importlib import resources

from securedrop.crypto import CryptoError

#: Below this a 7-word codename falls short of SecureDrop's ~90 bits.
MIN_CODENAME_WORDS = 7300
#: With 7 words, 2..17 letters keep every codename within 20..128 characters.
WORD_PATTERN = re.compile(r"[a-z]{2,17}")
DESIGNATION_WORD = re.compile(r"[a-z]+")

#: Codename list per language (the language part of the locale); English is the fallback.
CODENAME_LISTS = {
    "en": "wordlist_en_eff.txt",
    "ca": "wordlist_ca.txt",
    "de": "wordlist_de.txt",
    "es": "wordlist_es.txt",
    "fr": "wordlist_fr.txt",
    "it": "wordlist_it.txt",
    "pt": "wordlist_pt-br.txt",
}


class WordListError(CryptoError):
    """Raised when a shipped word list is too short or holds unusable words."""


@cache
def _denylist(name: str) -> frozenset[str]:
    """Words we never draw from list `name`, committed beside this module as denylist_<name>.txt.

    Every shipped codename list has one, and so do the designation lists: a source must
    never be handed, nor a journalist shown, an insult or a word that frightens.
    """
    path = resources.files("securedrop.crypto") / f"denylist_{name}.txt"
    if not path.is_file():
        return frozenset()
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _read(name: str) -> list[str]:
    text = (resources.files("diceware") / "wordlists" / name).read_text(encoding="utf-8")
    # Lists come either as bare words or as "<dice digits><whitespace><word>".
    return [line.split()[-1] for line in text.splitlines() if line.strip()]


@cache
def codename_words(language: str) -> tuple[str, ...]:
    """The codename list for `language`, falling back to English.

    Words that are not plain ASCII lower-case (hyphenated, accented, capitalised) are
    dropped rather than transliterated, so a codename is typed exactly as shown.

    Raises:
        WordListError: fewer than MIN_CODENAME_WORDS usable words remain.
    """
    if language not in CODENAME_LISTS:
        language = "en"
    name = CODENAME_LISTS[language]
    denied = _denylist(language)
    words = tuple(sorted({w for w in _read(name) if WORD_PATTERN.fullmatch(w) and w not in denied}))
    if len(words) < MIN_CODENAME_WORDS:
        raise WordListError(f"{name}: only {len(words)} usable words, need {MIN_CODENAME_WORDS}")
    return words


@cache
def designation_words() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(adjectives, nouns) for journalist designations; always English, denylists applied."""
    denied_adjectives, denied_nouns = _denylist("en_adjectives"), _denylist("en_nouns")
    adjectives = tuple(sorted({
        w for w in _read("wordlist_en_adjectives.txt") if DESIGNATION_WORD.fullmatch(w) and w not in denied_adjectives
    }))
    nouns = tuple(sorted({
        w for w in _read("wordlist_en_nouns.txt") if DESIGNATION_WORD.fullmatch(w) and w not in denied_nouns
    }))
    if len(adjectives) < 1000 or len(nouns) < 5000:
        raise WordListError("designation word lists are too short")
    return adjectives, nouns


def denied_words(name: str) -> frozenset[str]:
    """The denylist of a codename language ("de") or designation list ("en_nouns")."""
    return _denylist(name)


def supported_codename_languages() -> list[str]:
    return sorted(CODENAME_LISTS)


def diceware_phrase(count: int, language: str = "en") -> str:
    """`count` words drawn with `secrets` from the codename list of `language`, space-joined."""
    words = codename_words(language)
    return " ".join(secrets.choice(words) for _ in range(count))
