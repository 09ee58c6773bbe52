"""Admin → Languages: an admin chooses which installed languages both interfaces offer."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from securedrop.config import Settings
from tests.conftest import make_settings
from tests.functional.journalist_journey import Account, Clock, logged_in, post

INSTALLED = ("en_US", "ar", "de_DE", "fr_FR")


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path / "data", database_url, supported_locales=INSTALLED)


@pytest.fixture
def admin_client(journalist_client: FlaskClient, admin: Account, clock: Clock) -> FlaskClient:
    return logged_in(journalist_client, admin, clock)


def _menu(client: FlaskClient) -> list[str]:
    page = client.get("/").get_data(as_text=True)
    return [code for code in INSTALLED if f"?l={code}\"" in page]


def test_every_installed_language_is_offered_until_an_admin_chooses(source_client: FlaskClient) -> None:
    assert _menu(source_client) == list(INSTALLED)


def test_the_page_shows_each_language_with_its_review_state(admin_client: FlaskClient) -> None:
    page = admin_client.get("/admin/languages").get_data(as_text=True)
    for code in INSTALLED:
        assert f'value="{code}"' in page
    assert "Français" in page and "shown in this language" in page and "in review" in page


def test_an_admin_narrows_the_offered_languages_for_both_interfaces(
    admin_client: FlaskClient, source_client: FlaskClient
) -> None:
    response = post(admin_client, "/admin/languages", {"offered": ["fr_FR"]}, page="/admin/languages")
    assert response.status_code == 302
    # English is always offered: it is what every missing translation falls back to.
    assert _menu(source_client) == ["en_US", "fr_FR"]
    assert _menu(admin_client) == ["en_US", "fr_FR"]
    # Clients reading /metadata (the SecureDrop Inbox, monitoring) see the same choice.
    assert source_client.get("/metadata").get_json()["supported_languages"] == ["en_US", "fr_FR"]
    # A language no longer offered is not chosen, by link or by the browser's preference.
    page = source_client.get("/?l=de_DE", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="en-US"' in page
    page = source_client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="fr-FR"' in page
    # Offering everything again.
    post(admin_client, "/admin/languages", {"offered": list(INSTALLED)}, page="/admin/languages")
    assert _menu(source_client) == list(INSTALLED)


def test_an_unknown_language_is_refused_and_nothing_changes(
    admin_client: FlaskClient, source_client: FlaskClient
) -> None:
    response = post(admin_client, "/admin/languages", {"offered": ["fr_FR", "xx_XX"]}, page="/admin/languages")
    assert response.status_code == 400
    assert "not installed" in response.get_data(as_text=True)
    assert _menu(source_client) == list(INSTALLED)


def test_journalists_cannot_choose_languages(journalist_client: FlaskClient, journalist: Account,
                                             clock: Clock) -> None:
    logged_in(journalist_client, journalist, clock)
    assert journalist_client.get("/admin/languages").status_code in (302, 403)
