"""The whole source journey in Debian's Chromium, headless, with JavaScript disabled.

A real gunicorn serves the source interface from a prepared data directory; a
journalist's reply is seeded through the domain layer against the same database, as
the journalist interface would write it.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from sqlalchemy import select

from securedrop import config
from securedrop.models import Source
from securedrop.services import build_services
from tests.conftest import Decryptor
from tests.functional.api_world import seed_reply
from tests.functional.browser import assert_javascript_disabled, click_and_wait, flashes
from tests.functional.live_server import LiveServer

pytestmark = pytest.mark.browser

MESSAGE = "Hello from a browser with JavaScript off. The ledger is attached."
DOCUMENT = b"Quarterly ledger, page 1 of 1\n" + bytes(range(256)) * 64
REPLY = "Thank you for the ledger. Could you tell us who signed page 1?"


def seed_reply_to_only_source(env: dict[str, str], text: str) -> str:
    """Write a journalist's reply to the only source, as the journalist app would."""
    services = build_services(config.load(env))
    try:
        return seed_reply(services, text)
    finally:
        services.engine.dispose()


def only_source_dir(data_dir: Path) -> Path:
    services = build_services(config.load({"SECUREDROP_DATA_DIR": str(data_dir)}))
    try:
        with services.sessions() as session:
            fsid = session.scalars(select(Source.filesystem_id)).one()
        return services.store.source_dir(fsid)
    finally:
        services.engine.dispose()


def test_source_journey_without_javascript(
    live_source: LiveServer,
    browser: WebDriver,
    tmp_path: Path,
    decryptor: Decryptor,
) -> None:
    server, env = live_source, live_source.env
    data_dir = Path(env["SECUREDROP_DATA_DIR"])
    assert_javascript_disabled(browser)

    # Generate a codename and create the account.
    browser.get(server.url + "/")
    assert browser.find_elements(By.TAG_NAME, "script") == []
    click_and_wait(browser, "#started-button")
    codename = browser.find_element(By.ID, "codename").text.strip()
    assert len(codename.split()) == 7
    click_and_wait(browser, "#create-form-submit")
    assert browser.current_url == server.url + "/lookup"
    assert browser.find_element(By.ID, "codename-reminder").is_displayed()
    assert browser.find_element(By.ID, "no-replies").is_displayed()

    # Submit a message and a file, chosen through the file input as a person would.
    document_path = tmp_path / "ledger.txt"
    document_path.write_bytes(DOCUMENT)
    browser.find_element(By.ID, "msg").send_keys(MESSAGE)
    browser.find_element(By.ID, "fh").send_keys(str(document_path))
    click_and_wait(browser, "#submit-doc-button")
    assert flashes(browser) == ["Thanks! We received your message and document."]
    assert browser.find_elements(By.ID, "codename-reminder") == []

    # It landed encrypted: only .gpg files, which the submission key opens.
    stored = sorted(p for p in only_source_dir(data_dir).iterdir() if p.is_file())
    assert [p.name.split("-", 1)[0] for p in stored] == ["1", "2"]
    message_file, document_file = stored
    assert message_file.name.endswith("-msg.gpg") and document_file.name.endswith("-doc.gz.gpg")
    for path in stored:
        raw = path.read_bytes()
        assert MESSAGE.encode() not in raw and DOCUMENT[:40] not in raw
    assert decryptor.decrypt(message_file.read_bytes()).decode() == MESSAGE
    assert gzip.decompress(decryptor.decrypt(document_file.read_bytes())) == DOCUMENT

    # Log out: the page says so and tells the source what to do next.
    click_and_wait(browser, "form.logout button")
    assert browser.find_element(By.TAG_NAME, "h1").text == "You are logged out."
    browser.get(server.url + "/lookup")
    assert browser.current_url == server.url + "/"

    # A journalist replies meanwhile.
    reply_filename = seed_reply_to_only_source(env, REPLY)

    # Log in with the codename and read the reply, decrypted in memory.
    browser.get(server.url + "/")
    click_and_wait(browser, "#login-button")
    browser.find_element(By.ID, "codename").send_keys(codename)
    click_and_wait(browser, "#login")
    assert browser.current_url == server.url + "/lookup"
    quotes = browser.find_elements(By.CSS_SELECTOR, "article.reply blockquote")
    assert [q.text for q in quotes] == [REPLY]
    assert REPLY.encode() not in (only_source_dir(data_dir) / reply_filename).read_bytes()

    # Delete it: gone from the page, and it stays gone on the next visit.
    click_and_wait(browser, "article.reply button.delete-reply")
    assert flashes(browser) == ["Reply deleted."]
    assert browser.find_elements(By.CSS_SELECTOR, "article.reply") == []
    assert REPLY not in browser.find_element(By.TAG_NAME, "body").text
    assert browser.find_element(By.ID, "no-replies").is_displayed()
    browser.get(server.url + "/lookup")
    assert REPLY not in browser.find_element(By.TAG_NAME, "body").text
    assert flashes(browser) == []
