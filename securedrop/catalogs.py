"""Which catalog entries ship: reviewed translations and unreviewed machine drafts.

The review state lives in the .po file, where a translation platform shows it:

- a reviewed translation has no `fuzzy` flag;
- a machine-assisted draft is `fuzzy` (the platform shows "needs editing") and carries
  the translator comment DRAFT_COMMENT; it has no previous msgid (`#|`). Sources get
  the draft rather than English until someone reviews it;
- any other fuzzy entry (a translator flagged it, or `make i18n-update` matched it to
  an English string that changed, recording the old one in `#|`) is left out, so the
  page falls back to English rather than showing a translation of other words.

Used by `make i18n-compile`, `make i18n-check` and setup.py's build (Babel only, no Flask).
"""

from __future__ import annotations

import re
from collections import Counter

from babel.messages.catalog import Catalog, Message

#: The translator comment that marks an unreviewed machine-assisted draft.
DRAFT_COMMENT = "Machine-assisted draft: review it, then clear the fuzzy mark."
#: What identifies it, should a tool rewrap or reword the rest of the comment.
DRAFT_MARK = "Machine-assisted draft"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]+\}")
TAG = re.compile(r"</?[a-zA-Z]+[^>]*>")


def msgid_of(message: Message) -> str:
    """The msgid (the singular, for a plural entry)."""
    return str(message.id[0] if isinstance(message.id, (list, tuple)) else message.id)


def strings_of(message: Message) -> tuple[str, ...]:
    """Every translated form ("" where missing)."""
    if isinstance(message.string, (list, tuple)):
        return tuple(text or "" for text in message.string)
    return (message.string or "",)


def english_changed(message: Message) -> bool:
    """Whether `make i18n-update` matched this entry to English that has since changed.

    It records the old msgid in `#|` lines; Babel's reader keeps those as translator
    comments starting with "|" (and its writer as "# |"), so both forms count.
    """
    return bool(message.previous_id) or any(comment.lstrip().startswith("|") for comment in message.user_comments)


def is_draft(message: Message) -> bool:
    """An unreviewed machine draft: fuzzy, marked as a draft, never matched to other English."""
    return (
        message.fuzzy
        and any(comment.strip().startswith(DRAFT_MARK) for comment in message.user_comments)
        and not english_changed(message)
    )


def shape(text: str) -> Counter[str]:
    """The placeholders and tags a translation must keep, with their counts."""
    return Counter(PLACEHOLDER.findall(text)) + Counter(TAG.findall(text))


def shape_problem(message: Message) -> bool:
    """Whether a translated form lost, renamed or added a placeholder or a tag."""
    ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
    allowed = [shape(text) for text in ids]
    if len(ids) > 1:  # a plural form may spell the count out ("one message")
        allowed += [shape(text) - Counter(["%(num)d"]) for text in ids]
    for translated in strings_of(message):
        if translated and shape(translated) not in allowed:
            return True
    return False


def ships(message: Message) -> bool:
    """Whether the compiled catalog carries this entry (else the page shows English)."""
    if not message.id or not all(strings_of(message)) or shape_problem(message):
        return False
    return not message.fuzzy or is_draft(message)


def shipped_catalog(catalog: Catalog) -> Catalog:
    """A copy of `catalog` holding only what `ships`, none of it fuzzy."""
    shipped = Catalog(locale=catalog.locale, domain=catalog.domain, charset="utf-8")
    shipped.mime_headers = catalog.mime_headers
    shipped.fuzzy = False
    for message in catalog:
        if message.id and ships(message):
            shipped.add(message.id, message.string, context=message.context)
    return shipped


#: Where an entry appears (its `#:` locations) decides which interface it belongs to.
SOURCE_PATHS = ("securedrop/source_app/", "securedrop/web/")


def review_state(catalog: Catalog) -> dict[str, tuple[int, int, int]]:
    """For "source" and "journalist": (reviewed, in review, missing) entries of `catalog`.

    An entry shown on both interfaces (the language menu) counts for both.
    """
    counts = {"source": [0, 0, 0], "journalist": [0, 0, 0]}
    for message in catalog:
        if not message.id:
            continue
        paths = [path for path, _line in message.locations]
        on_source = any(path.startswith(SOURCE_PATHS) for path in paths)
        on_journalist = any(not path.startswith("securedrop/source_app/") for path in paths)
        column = 2 if not all(strings_of(message)) else 1 if message.fuzzy else 0
        for interface, shown in (("source", on_source), ("journalist", on_journalist)):
            if shown:
                counts[interface][column] += 1
    return {interface: (done, review, missing) for interface, (done, review, missing) in counts.items()}
