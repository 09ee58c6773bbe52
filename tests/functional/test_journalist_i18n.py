"""The journalist interface in other languages: counts through ngettext, Babel's dates and sizes."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from securedrop.config import Settings
from securedrop.services import Services
from tests.conftest import make_settings
from tests.functional.api_world import seed_source
from tests.functional.journalist_journey import Account, Clock, logged_in


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path / "data", database_url, supported_locales=("en_US", "fr_FR", "ar"))


def _text(client: FlaskClient, path: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", client.get(path).get_data(as_text=True)))


def test_counts_are_one_translatable_phrase_in_the_singular(journalist_client: FlaskClient, journalist: Account,
                                              clock: Clock, services: Services) -> None:
    seed_source(services)
    logged_in(journalist_client, journalist, clock)
    page = _text(journalist_client, "/?l=en_US")
    assert "1 message, 1 document" in page


def test_sizes_and_dates_follow_the_language(journalist_client: FlaskClient, journalist: Account,
                                             clock: Clock, services: Services) -> None:
    seeded = seed_source(services, document=os.urandom(5000))  # incompressible: stored as ~5 kB
    logged_in(journalist_client, journalist, clock)
    english = _text(journalist_client, f"/col/{seeded.filesystem_id}?l=en_US")
    french = _text(journalist_client, f"/col/{seeded.filesystem_id}?l=fr_FR")
    # CLDR's unit names: "kB" in English, "ko" (kilo-octets) in French, with a decimal comma.
    assert re.search(r"\d\s?kB", english) and re.search(r"\d,\d\s?ko", french)
    # The index's dates: Babel's short formats differ between the two languages.
    index_en = journalist_client.get("/?l=en_US").get_data(as_text=True)
    index_fr = journalist_client.get("/?l=fr_FR").get_data(as_text=True)
    date_en = re.search(r"<time [^>]*>([^<]+)</time>", index_en)
    date_fr = re.search(r"<time [^>]*>([^<]+)</time>", index_fr)
    assert date_en and date_fr and date_en.group(1) != date_fr.group(1)
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", date_fr.group(1).strip())
