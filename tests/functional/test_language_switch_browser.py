"""Switching language on every source page keeps the person where they are (Chromium, JavaScript off).

The codename page exists only as the answer to a POST and shows a codename stored
nowhere; the logout page carries the New Identity advice. Both must survive a change of
language, and the codename shown afterwards must still be the one that logs in.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By

from tests.functional.browser import assert_javascript_disabled, click_and_wait, flashes
from tests.functional.live_server import LiveServer

pytestmark = pytest.mark.browser


def _switch(browser: WebDriver, code: str) -> None:
    """Open the language menu as a person would and choose `code`; wait for the new page."""
    tag = code.replace("_", "-")
    browser.find_element(By.CSS_SELECTOR, "details.languages summary").click()
    # The open list stays on the screen, in left-to-right and right-to-left pages alike.
    listing = browser.find_element(By.CSS_SELECTOR, "details.languages ul").rect
    width = browser.execute_script("return document.documentElement.clientWidth")
    assert 0 <= listing["x"] and listing["x"] + listing["width"] <= width, (browser.current_url, listing, width)
    click_and_wait(browser, f'details.languages li [lang="{tag}"]')
    html = browser.find_element(By.TAG_NAME, "html")
    assert html.get_attribute("lang") == tag, (browser.current_url, html.get_attribute("lang"))


def _path(browser: WebDriver, server: LiveServer) -> str:
    return browser.current_url.removeprefix(server.url).split("?", 1)[0]


def _present(browser: WebDriver, css: str) -> bool:
    return bool(browser.find_elements(By.CSS_SELECTOR, css))


def test_every_source_page_keeps_its_place_across_a_language_switch(
    live_source: LiveServer, browser: WebDriver
) -> None:
    server = live_source
    assert_javascript_disabled(browser)

    # Pages any GET reaches: the same page comes back, translated.
    for path, marker, code in [
        ("/", "#started-button", "fr_FR"),
        ("/login", "input#codename", "de_DE"),
        ("/use-tor", "main h1", "es_ES"),
        ("/why-public-key", "main h1", "ru"),
        ("/no-such-page", "main h1", "ar"),
        ("/tor2web-warning", "main h1", "zh_Hans"),
    ]:
        browser.get(server.url + path + "?l=en_US")
        _switch(browser, code)
        assert _path(browser, server) == path
        assert _present(browser, marker), path

    # A failed login is a POST answer: the switch lands on the login form, not an error.
    browser.get(server.url + "/login?l=en_US")
    browser.find_element(By.ID, "codename").send_keys("not a codename anybody has")
    click_and_wait(browser, "#login")
    assert flashes(browser)
    _switch(browser, "it_IT")
    assert _path(browser, server) == "/login" and _present(browser, "input#codename")

    # The codename page: the same codename in every language, and it is the one created.
    browser.get(server.url + "/?l=en_US")
    click_and_wait(browser, "#started-button")
    codename = browser.find_element(By.ID, "codename").text
    assert codename
    for code in ("ar", "ja", "fr_FR"):
        _switch(browser, code)
        assert browser.find_element(By.ID, "codename").text == codename, code
        assert not flashes(browser)
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("dir") == "ltr"
    click_and_wait(browser, "#create-form-submit")
    assert _path(browser, server) == "/lookup"

    # The lookup page, and a rejected submission (a POST answer) both come back as /lookup.
    _switch(browser, "pt_BR")
    assert _path(browser, server) == "/lookup" and _present(browser, "#upload")
    click_and_wait(browser, "#submit-doc-button")
    assert flashes(browser)
    _switch(browser, "nl")
    assert _path(browser, server) == "/lookup" and _present(browser, "#upload")

    # The New Identity advice survives, translated, and the switch does not log in again.
    click_and_wait(browser, "form.logout button")
    dutch = browser.find_element(By.ID, "new-identity-advice").text
    _switch(browser, "ar")
    arabic = browser.find_element(By.ID, "new-identity-advice").text
    assert arabic and arabic != dutch
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
    assert not _present(browser, "form.logout")
    _switch(browser, "en_US")
    assert "New Identity" in browser.find_element(By.ID, "new-identity-advice").text

    # The codename shown through three language switches logs in.
    browser.get(server.url + "/login")
    browser.find_element(By.ID, "codename").send_keys(codename)
    click_and_wait(browser, "#login")
    assert _path(browser, server) == "/lookup"
