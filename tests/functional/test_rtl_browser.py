"""Arabic in a real Chromium (JavaScript off): the lookup page lays out right to left."""

from __future__ import annotations

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By

from tests.functional.browser import assert_javascript_disabled, click_and_wait
from tests.functional.live_server import LiveServer

pytestmark = pytest.mark.browser


def test_arabic_lookup_page_is_right_to_left(live_source: LiveServer, browser: WebDriver) -> None:
    server = live_source
    assert_javascript_disabled(browser)
    browser.get(server.url + "/?l=ar")
    click_and_wait(browser, "#started-button")
    click_and_wait(browser, "#create-form-submit")
    assert browser.current_url.endswith("/lookup")
    html = browser.find_element(By.TAG_NAME, "html")
    assert html.get_attribute("lang") == "ar" and html.get_attribute("dir") == "rtl"
    # Computed style, as the browser lays the page out (WebDriver's own script channel
    # works with page scripts disabled).
    assert browser.execute_script("return getComputedStyle(document.body).direction") == "rtl"
    form = browser.find_element(By.ID, "upload").rect
    button = browser.find_element(By.ID, "submit-doc-button").rect
    label = browser.find_element(By.CSS_SELECTOR, "label[for=msg]").rect
    # Start-aligned controls sit at the right edge in a right-to-left page.
    assert button["x"] + button["width"] > form["x"] + form["width"] * 0.8
    assert button["x"] > form["x"] + form["width"] / 2
    assert label["x"] + label["width"] > form["x"] + form["width"] * 0.8
    # And the same page in English is left to right, so the assertions above mean something.
    browser.get(server.url + "/lookup?l=en_US")
    button = browser.find_element(By.ID, "submit-doc-button").rect
    form = browser.find_element(By.ID, "upload").rect
    assert button["x"] < form["x"] + form["width"] / 2
