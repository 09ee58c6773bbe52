"""Record machine-assisted drafts in catalogs so they ship but show as awaiting review.

    scripts/i18n_drafts.py mark LOCALE...    every translated, unreviewed entry becomes a draft
    scripts/i18n_drafts.py apply DRAFTS.json  write drafts from {locale: {key: translation}}

A key is the msgid, or "context|msgid" for an entry with a msgctxt; a translation is a
string, or a list of plural forms. A draft is a fuzzy entry carrying DRAFT_COMMENT (see
securedrop/catalogs.py): a translation platform shows it as needing review, and
`make i18n-compile` still ships it, so a source reads the draft rather than English.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

from securedrop.catalogs import DRAFT_COMMENT, DRAFT_MARK, msgid_of, strings_of

TRANSLATIONS = Path(__file__).resolve().parent.parent / "securedrop" / "translations"


def load(locale: str, translations: Path = TRANSLATIONS) -> Catalog:
    with (translations / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def save(catalog: Catalog, locale: str, translations: Path = TRANSLATIONS) -> None:
    with (translations / locale / "LC_MESSAGES" / "messages.po").open("wb") as handle:
        write_po(handle, catalog, include_previous=True)


def make_draft(message: Message) -> None:
    message.flags.add("fuzzy")
    message.previous_id = []
    message.user_comments = [comment for comment in message.user_comments if not comment.lstrip().startswith("|")]
    if not any(comment.strip().startswith(DRAFT_MARK) for comment in message.user_comments):
        message.user_comments.append(DRAFT_COMMENT)


def mark(locale: str) -> int:
    catalog = load(locale)
    count = 0
    for message in catalog:
        if message.id and all(strings_of(message)) and not message.fuzzy:
            make_draft(message)
            count += 1
    save(catalog, locale)
    return count


def apply(locale: str, drafts: dict[str, str | list[str]]) -> list[str]:
    """Write `drafts` into `locale`'s catalog; returns the keys it does not have."""
    catalog = load(locale)
    unknown = []
    for key, translation in drafts.items():
        context, _, msgid = key.rpartition("|") if "|" in key else (None, "", key)
        message = next((m for m in catalog if m.id and msgid_of(m) == msgid and m.context == (context or None)), None)
        if message is None:
            unknown.append(key)
            continue
        message.string = tuple(translation) if isinstance(translation, list) else translation
        make_draft(message)
    save(catalog, locale)
    return unknown


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "mark":
        for locale in argv[1:]:
            print(f"{locale}: {mark(locale)} entries marked as drafts")
        return 0
    if len(argv) == 2 and argv[0] == "apply":
        problems = 0
        for locale, drafts in json.loads(Path(argv[1]).read_text(encoding="utf-8")).items():
            for key in apply(locale, drafts):
                print(f"{locale}: no entry {key!r}")
                problems += 1
        return 1 if problems else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
