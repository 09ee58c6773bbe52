"""Codenames, designations and the word lists behind them."""

from __future__ import annotations

import math

import pytest

from securedrop.crypto import wordlists
from securedrop.crypto.codenames import generate_codename, generate_designation, normalize_codename


@pytest.mark.parametrize("language", wordlists.supported_codename_languages())
def test_every_list_is_long_ascii_and_yields_90_bits(language: str) -> None:
    words = wordlists.codename_words(language)
    assert len(words) >= wordlists.MIN_CODENAME_WORDS
    assert len(set(words)) == len(words)
    assert all(w.isascii() and w.isalpha() and w.islower() and 2 <= len(w) <= 17 for w in words)
    assert 7 * math.log2(len(words)) >= 90


def test_codename_is_seven_words_within_bounds() -> None:
    for _ in range(200):
        codename = generate_codename()
        assert len(codename.split(" ")) == 7
        assert 20 <= len(codename) <= 128
        assert normalize_codename(codename) == codename


def test_codenames_follow_the_language_and_fall_back_to_english() -> None:
    french = set(wordlists.codename_words("fr"))
    assert all(w in french for w in generate_codename("fr").split())
    english = set(wordlists.codename_words("en"))
    assert all(w in english for w in generate_codename("xx").split())


def test_codenames_do_not_repeat() -> None:
    assert len({generate_codename() for _ in range(500)}) == 500


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  alpha  beta\n gamma ", "alpha beta gamma"),
        ("alpha-beta 12", "alpha-beta 12"),
        ("", None),
        ("   ", None),
        ("../etc/passwd", None),
        ("word;drop table", None),
        ("é accent", None),
        ("a" * 129, None),
    ],
)
def test_normalize_codename(raw: str, expected: str | None) -> None:
    assert normalize_codename(raw) == expected


def test_designation_is_two_lower_case_words() -> None:
    import re

    for _ in range(200):
        assert re.fullmatch(r"[a-z'-]+ [a-z'-]+", generate_designation())


def test_denied_words_are_never_drawn() -> None:
    words = set(wordlists.codename_words("en"))
    for denied in ("aids", "cathouse", "upchuck", "traitor", "snitch"):
        assert denied not in words


@pytest.mark.parametrize("language", wordlists.supported_codename_languages())
def test_every_codename_list_has_a_denylist_that_is_enforced(language: str) -> None:
    denied = wordlists.denied_words(language)
    assert denied, f"no denylist_{language}.txt"
    # The list really holds words the denylist removes (else this test could not fail).
    assert denied & set(wordlists._read(wordlists.CODENAME_LISTS[language]))
    assert not denied & set(wordlists.codename_words(language))
    # And in codenames as a source gets them.
    for _ in range(300):
        assert not denied & set(generate_codename(language).split())


def test_designations_never_use_a_denied_word() -> None:
    denied_adjectives = wordlists.denied_words("en_adjectives")
    denied_nouns = wordlists.denied_words("en_nouns")
    # The two examples the dev index showed before the lists had denylists.
    assert {"docile", "racism"} & (denied_adjectives | denied_nouns) == {"racism"}
    assert "crops" in denied_nouns
    adjectives, nouns = wordlists.designation_words()
    assert not denied_adjectives & set(adjectives) and not denied_nouns & set(nouns)
    for _ in range(2000):
        adjective, noun = generate_designation().split(" ")
        assert adjective not in denied_adjectives and noun not in denied_nouns
