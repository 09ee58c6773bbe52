"""Arabic in a real Chromium (JavaScript off): the lookup page lays out right to left."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By

from tests.conftest import SubmissionKey
from tests.functional.browser import assert_javascript_disabled, chromium, click_and_wait
from tests.functional.live_server import LiveServer, prepare_data_dir

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path: Path, submission_key: SubmissionKey) -> Iterator[LiveServer]:
    env = prepare_data_dir(tmp_path / "data", submission_key.public)
    with LiveServer("source_app", env) as live:
        yield live


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    with chromium(tmp_path / "profile", javascript=False) as driver:
        yield driver


def test_arabic_lookup_page_is_right_to_left(server: LiveServer, browser: WebDriver, tmp_path: Path) -> None:
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
    browser.save_screenshot(str(tmp_path / "arabic-lookup.png"))
    assert (tmp_path / "arabic-lookup.png").stat().st_size > 0
    # And the same page in English is left to right, so the assertions above mean something.
    browser.get(server.url + "/lookup?l=en_US")
    button = browser.find_element(By.ID, "submit-doc-button").rect
    form = browser.find_element(By.ID, "upload").rect
    assert button["x"] < form["x"] + form["width"] / 2
