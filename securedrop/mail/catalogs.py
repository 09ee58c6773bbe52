"""The gettext catalog for a recipient's language, outside any request (the worker writes mail)."""

from __future__ import annotations

import gettext
from functools import lru_cache

from babel.support import Translations

from securedrop.config import TRANSLATIONS_DIR


@lru_cache(maxsize=64)
def translations(locale: str) -> gettext.NullTranslations:
    """The compiled catalog for `locale`; English (the msgids) when there is none."""
    return Translations.load(str(TRANSLATIONS_DIR), [locale, locale.split("_")[0]])
