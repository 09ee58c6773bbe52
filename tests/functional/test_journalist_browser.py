"""Login with a TOTP code, read, reply and log out in Debian's Chromium, headless, against gunicorn."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from sqlalchemy import select

from securedrop import config, db
from securedrop.crypto import otp
from securedrop.domain.journalists import NewAccount, TwoFactor, create_journalist
from securedrop.models import Reply
from securedrop.services import build_services
from tests.conftest import Decryptor, SubmissionKey
from tests.functional.api_world import seed_source
from tests.functional.browser import chromium, click_and_wait, flashes, wait_until_replaced
from tests.functional.journalist_journey import PASSPHRASE
from tests.functional.live_server import LiveServer, prepare_data_dir

pytestmark = pytest.mark.browser

REPLY = "Thank you. We would like to talk to whoever signed page 1."


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    """Unlike the source interface's (tests/functional/conftest.py), with JavaScript on."""
    with chromium(tmp_path / "chromium-profile", javascript=True) as driver:
        yield driver


def test_login_read_reply_logout(tmp_path: Path, submission_key: SubmissionKey, browser: WebDriver,
                                 decryptor: Decryptor) -> None:
    env = prepare_data_dir(tmp_path / "data", submission_key.public)
    services = build_services(config.load(env))
    secret = otp.new_totp_secret()
    with db.unit_of_work(services.sessions) as session:
        create_journalist(session, NewAccount("reporter", PASSPHRASE, PASSPHRASE, TwoFactor(secret, True)))
    fsid = seed_source(services, message="The ledger is attached.").filesystem_id
    with LiveServer("journalist_app", env) as server:
        browser.get(server.url + "/")
        assert browser.current_url.endswith("/login")
        browser.find_element(By.ID, "username").send_keys("reporter")
        browser.find_element(By.ID, "password").send_keys(PASSPHRASE)
        browser.find_element(By.ID, "token").send_keys(pyotp.TOTP(secret).now())
        click_and_wait(browser, "#login")
        assert browser.current_url == server.url + "/"
        link = browser.find_element(By.CSS_SELECTOR, "a.designation")
        row = browser.find_element(By.CSS_SELECTOR, "tr.unread")
        assert row.find_element(By.CSS_SELECTOR, ".badge").text == "2"
        link.click()
        wait_until_replaced(browser, row)
        items = browser.find_elements(By.CSS_SELECTOR, "ol.conversation li")
        assert [item.get_attribute("class") for item in items] == ["item message unread", "item document unread"]
        browser.find_element(By.ID, "reply-text").send_keys(REPLY)
        click_and_wait(browser, "#send-reply")
        assert "The source will receive your reply next time they log in." in flashes(browser)
        assert "Reply by reporter" in browser.find_element(By.CSS_SELECTOR, "ol.conversation").text
        click_and_wait(browser, "form.logout button")
        assert browser.current_url.endswith("/login")
        browser.get(server.url + "/")
        assert browser.current_url.endswith("/login")
    with services.sessions() as session:
        reply = session.scalars(select(Reply)).one()
    assert decryptor.decrypt(services.store.path(fsid, reply.filename).read_bytes()) == REPLY.encode()
    services.engine.dispose()
