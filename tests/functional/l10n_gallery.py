"""Screenshots of every page of both interfaces in chosen languages, beside English, for
localizers (`make l10n-screenshots`) and for CI (every page must be captured).

A throwaway dev deployment (dev data: a demo journalist and sources) is served by
gunicorn on 127.0.0.1; Debian's Chromium walks the source interface with JavaScript
off and the journalist interface logged in as the demo journalist. "pseudo" is a
pseudo-locale: every translatable string accented, lengthened and bracketed, so any
text left plain in its screenshots was never marked for translation.
"""

from __future__ import annotations

import html
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By

from securedrop.config import TRANSLATIONS_DIR
from securedrop.crypto import otp
from tests.functional.browser import chromium, click_and_wait
from tests.functional.live_server import LiveServer

PSEUDO = "pseudo"
#: The pseudo-locale is served under a code Babel knows and nobody ships (Esperanto).
PSEUDO_CODE = "eo"
_KEEP = re.compile(r"(%\([a-z_]+\)[sd]|<[^>]+>|\{[a-z_]+\})")
_ACCENTED = str.maketrans("aceinousyACEINOUSY", "áçéîñöûšýÁÇÉÎÑÖÛŠÝ")

SOURCE_PAGES = (
    "source-index", "source-use-tor", "source-why-public-key", "source-not-found", "source-tor2web",
    "source-login", "source-login-error", "source-codename", "source-lookup-new", "source-submit-error",
    "source-submit-success", "source-logout", "source-session-lost",
)
JOURNALIST_PAGES = (
    "journalist-login", "journalist-login-error", "journalist-index", "journalist-source", "journalist-account",
    "journalist-admin", "journalist-admin-add", "journalist-admin-edit", "journalist-admin-config",
    "journalist-onion-keys", "journalist-star-flash",
)
PAGES = SOURCE_PAGES + JOURNALIST_PAGES


def pseudo_text(text: str) -> str:
    """[!! Áççéñţéð, lengthened by a third !!], placeholders and tags kept intact."""
    parts = _KEEP.split(text)
    # split() puts the kept pieces (placeholders, tags) at odd indices.
    accented = "".join(part if index % 2 else part.translate(_ACCENTED) for index, part in enumerate(parts))
    return f"[!! {accented}{'~' * (len(text) // 3)} !!]"


@contextmanager
def pseudo_catalog() -> Iterator[None]:
    """A compiled pseudo catalog served as PSEUDO_CODE while the gallery runs, then removed."""
    directory = TRANSLATIONS_DIR / PSEUDO_CODE / "LC_MESSAGES"
    if directory.parent.exists():
        raise RuntimeError(f"{directory.parent} exists: a real catalog would be overwritten")
    with (TRANSLATIONS_DIR / "messages.pot").open("rb") as handle:
        catalog = read_po(handle, locale=PSEUDO_CODE)
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, (list, tuple)):
            message.string = (pseudo_text(message.id[0]), pseudo_text(message.id[1]))
        else:
            message.string = pseudo_text(message.id)
    directory.mkdir(parents=True)
    try:
        with (directory / "messages.mo").open("wb") as handle:
            write_mo(handle, catalog)
        yield
    finally:
        shutil.rmtree(directory.parent)


def _shot(browser: WebDriver, path: Path) -> None:
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, min(max(int(height), 600), 6000))
    path.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(path)), path
    browser.set_window_size(1280, 1024)


def _walk_source(browser: WebDriver, base: str, code: str, shoot: Callable[[str], None]) -> None:
    for page, path in (("source-index", "/"), ("source-use-tor", "/use-tor"),
                       ("source-why-public-key", "/why-public-key"), ("source-not-found", "/no-such-page"),
                       ("source-tor2web", "/tor2web-warning"), ("source-login", "/login")):
        browser.get(f"{base}{path}?l={code}")
        shoot(page)
    browser.find_element(By.NAME, "codename").send_keys("not a codename anybody has")
    click_and_wait(browser, "main form button[type=submit]")
    shoot("source-login-error")
    browser.get(f"{base}/?l={code}")
    click_and_wait(browser, "#started-button")
    shoot("source-codename")
    click_and_wait(browser, "#create-form-submit")
    shoot("source-lookup-new")
    click_and_wait(browser, "#submit-doc-button")
    shoot("source-submit-error")
    browser.find_element(By.NAME, "msg").send_keys("A message for the screenshots.")
    click_and_wait(browser, "#submit-doc-button")
    shoot("source-submit-success")
    click_and_wait(browser, "form.logout button")
    shoot("source-logout")
    browser.get(f"{base}/lookup")  # no longer logged in: the session-lost notice
    shoot("source-session-lost")


def _log_in(browser: WebDriver, base: str, username: str, passphrase: str, code: str) -> None:
    browser.get(f"{base}/login")
    browser.find_element(By.NAME, "username").send_keys(username)
    browser.find_element(By.NAME, "password").send_keys(passphrase)
    browser.find_element(By.NAME, "token").send_keys(code)
    click_and_wait(browser, "main form button[type=submit]")


def _walk_journalist(browser: WebDriver, base: str, codes: list[str], shoot: Callable[[str, str], None],
                     credentials: tuple[str, str, str]) -> None:
    username, passphrase, secret = credentials
    for code in codes:
        browser.get(f"{base}/login?l={code}")
        shoot(code, "journalist-login")
        _log_in(browser, base, username, "not the passphrase", "000000")
        shoot(code, "journalist-login-error")
    # One real login (a code is accepted once); the language then changes with ?l=.
    _log_in(browser, base, username, passphrase, otp.totp(secret).now())
    source_url = browser.find_element(By.CSS_SELECTOR, "a.designation").get_attribute("href")
    assert source_url
    for code in codes:
        for page, path in (("journalist-index", "/"), ("journalist-account", "/account/account"),
                           ("journalist-admin", "/admin/"), ("journalist-admin-add", "/admin/add"),
                           ("journalist-admin-config", "/admin/config"), ("journalist-onion-keys", "/onion-keys/")):
            browser.get(f"{base}{path}?l={code}")
            shoot(code, page)
        browser.get(f"{source_url}?l={code}")
        shoot(code, "journalist-source")
        browser.get(f"{base}/admin/?l={code}")
        edit = browser.find_element(By.CSS_SELECTOR, "a[href*='/admin/edit/']").get_attribute("href")
        browser.get(f"{edit}?l={code}")
        shoot(code, "journalist-admin-edit")
        browser.get(f"{source_url}?l={code}")
        click_and_wait(browser, "form[action*='star'] button[type=submit]")
        shoot(code, "journalist-star-flash")


def capture(source: LiveServer, journalist: LiveServer, locales: list[str], out: Path,
            credentials: tuple[str, str, str]) -> dict[str, list[str]]:
    """Screenshots of every page in English and each of `locales`, under `out`/<locale>/.

    Returns, for each locale, the pages captured.
    """
    served = {locale: PSEUDO_CODE if locale == PSEUDO else locale for locale in ["en_US", *locales]}
    captured: dict[str, list[str]] = {locale: [] for locale in served}
    with tempfile.TemporaryDirectory() as profiles:
        for locale, code in served.items():
            with chromium(Path(profiles) / f"source-{locale}", javascript=False) as browser:
                def shoot_source(page: str, locale: str = locale, browser: WebDriver = browser) -> None:
                    _shot(browser, out / locale / f"{page}.png")
                    captured[locale].append(page)

                _walk_source(browser, source.url, code, shoot_source)
        with chromium(Path(profiles) / "journalist", javascript=True) as browser:
            by_code = {code: locale for locale, code in served.items()}

            def shoot_journalist(code: str, page: str) -> None:
                _shot(browser, out / by_code[code] / f"{page}.png")
                captured[by_code[code]].append(page)

            _walk_journalist(browser, journalist.url, list(served.values()), shoot_journalist, credentials)
    write_index(out, list(served), captured)
    return captured


def write_index(out: Path, locales: list[str], captured: dict[str, list[str]]) -> Path:
    """One index.html: a row per page, English beside each locale."""
    rows = []
    for page in PAGES:
        cells = []
        for locale in locales:
            if page in captured.get(locale, []):
                src = f"{locale}/{page}.png"
                cells.append(f'<td><a href="{src}"><img src="{src}" alt="{html.escape(page)} ({locale})" '
                             f'loading="lazy"></a></td>')
            else:
                cells.append("<td class=missing>not captured</td>")
        rows.append(f"<tr><th scope=row>{html.escape(page)}</th>{''.join(cells)}</tr>")
    head = "".join(f"<th scope=col>{html.escape(locale)}</th>" for locale in locales)
    index = out / "index.html"
    index.write_text(
        "<!DOCTYPE html><html lang=en><meta charset=utf-8><title>Screenshots for localizers</title>"
        "<style>img{width:320px;border:1px solid #ccc}td,th{vertical-align:top;padding:4px}"
        ".missing{color:#b00}</style><h1>Every page, English beside each language</h1>"
        f"<table><tr><th></th>{head}</tr>{''.join(rows)}</table>",
        encoding="utf-8",
    )
    return index
