"""Debian's Chromium, headless, driven by Selenium through Debian's chromedriver.

Shared by the browser tests of both interfaces. Nothing here downloads a browser or a
driver: Selenium Manager is bypassed by naming both binaries. The source interface is
tested with JavaScript off (the content-settings preference, as Tor Browser's Safest
level does), and `assert_javascript_disabled` proves the profile really runs no script.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.wait import WebDriverWait

from tests.conftest import STRICT

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARGUMENTS = (
    "--headless=new",
    "--no-sandbox",  # the tests may run as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # No network beyond the server under test: no updates, no sync, no first-run pages.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,1024",
)
#: A page whose script rewrites a paragraph and whose <noscript> shows another one.
_JS_PROBE = (
    "data:text/html;charset=utf-8,"
    "<p id='probe'>static</p>"
    "<noscript><p id='noscript'>no script</p></noscript>"
    "<script>document.getElementById('probe').textContent='script ran'</script>"
)


def require_chromium() -> None:
    """Skip (with the command to run) when Debian's chromium or chromium-driver is missing;
    fail instead under SECUREDROP_TEST_STRICT=1 (`make test`), where a skip would pass the run."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if shutil.which(path) is None]
    if missing:
        message = f"{', '.join(missing)} missing: run scripts/system-deps.sh chromium chromium-driver"
        if STRICT:
            pytest.fail(message)
        pytest.skip(message)


@contextmanager
def chromium(user_data_dir: Path, javascript: bool) -> Iterator[WebDriver]:
    """A fresh headless Chromium with its own profile in `user_data_dir`; quit on exit."""
    require_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ARGUMENTS:
        options.add_argument(argument)
    options.add_argument(f"--user-data-dir={user_data_dir}")
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.set_page_load_timeout(60)
        yield driver
    finally:
        driver.quit()


def javascript_enabled(driver: WebDriver) -> bool:
    """Whether pages loaded in `driver` run their scripts.

    `execute_script` is no answer: WebDriver injects it over DevTools, which the
    content setting does not govern. A page's own script and its <noscript> are.
    """
    driver.get(_JS_PROBE)
    ran = driver.find_element(By.ID, "probe").text == "script ran"
    noscript_shown = any(element.is_displayed() for element in driver.find_elements(By.ID, "noscript"))
    assert ran != noscript_shown, "inconsistent probe: script ran and <noscript> shown, or neither"
    return ran


def assert_javascript_disabled(driver: WebDriver) -> None:
    assert not javascript_enabled(driver), "JavaScript is enabled in this browser profile"


def flashes(driver: WebDriver) -> list[str]:
    """The flash messages on the current page, as a person reads them."""
    return [element.text for element in driver.find_elements(By.CSS_SELECTOR, "p.flash")]


def wait_until_replaced(driver: WebDriver, element: WebElement, timeout: float = 60) -> None:
    """Wait until `element`'s document has been replaced by a fully parsed new page.

    Selenium's `staleness_of` only knows the W3C "stale element" error. Chromium,
    asked about a node while it swaps documents, can answer with an "unknown error"
    saying the node does not belong to the document: that, too, means the old page
    is gone, and it must not fail the test.
    """

    def replaced(_driver: WebDriver) -> bool:
        try:
            element.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if "does not belong to the document" in (error.msg or ""):
                return True
            raise
        return False

    WebDriverWait(driver, timeout).until(replaced)
    # The new page is fully parsed (WebDriver's own script channel works with page scripts off).
    WebDriverWait(driver, timeout).until(lambda d: d.execute_script("return document.readyState") == "complete")


def click_and_wait(driver: WebDriver, css: str, timeout: float = 60) -> None:
    """Click what `css` selects and wait until the next page has replaced this one."""
    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, css).click()
    wait_until_replaced(driver, page, timeout)
