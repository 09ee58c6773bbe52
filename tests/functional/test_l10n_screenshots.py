"""CI's run of `make l10n-screenshots` for Arabic (right to left) and French: every page
of both interfaces is captured in each language and in English, and the gallery shows them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from securedrop import devdata
from securedrop.cli import prepare_dev
from tests.functional import l10n_gallery
from tests.functional.browser import require_chromium
from tests.functional.live_server import LiveServer

pytestmark = pytest.mark.browser

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def dev_servers(tmp_path: Path) -> Iterator[tuple[LiveServer, LiveServer]]:
    require_chromium()
    data_dir = tmp_path / "data"
    services, _codenames = prepare_dev(data_dir, 1)
    services.engine.dispose()
    env = {**os.environ, "SECUREDROP_DATA_DIR": str(data_dir)}
    with LiveServer("source_app", env) as source, LiveServer("journalist_app", env) as journalist:
        yield source, journalist


def test_every_page_is_captured_in_arabic_and_french(dev_servers: tuple[LiveServer, LiveServer],
                                                     tmp_path: Path) -> None:
    source, journalist = dev_servers
    out = tmp_path / "gallery"
    credentials = (devdata.DEV_USERNAME, devdata.DEV_PASSPHRASE, devdata.DEV_TOTP_SECRET)
    captured = l10n_gallery.capture(source, journalist, ["ar", "fr_FR"], out, credentials)
    for locale in ("en_US", "ar", "fr_FR"):
        assert sorted(captured[locale]) == sorted(l10n_gallery.PAGES), locale
        for page in l10n_gallery.PAGES:
            shot = out / locale / f"{page}.png"
            assert shot.read_bytes()[:8] == PNG, shot
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "not captured" not in index
    assert index.count("<img ") == 3 * len(l10n_gallery.PAGES)


def test_pseudo_text_keeps_placeholders_and_tags() -> None:
    text = l10n_gallery.pseudo_text("Files of up to %(size)s MiB, <b>see</b> {name}")
    assert text.startswith("[!! ") and text.endswith(" !!]")
    assert "%(size)s" in text and "<b>" in text and "</b>" in text and "{name}" in text
    assert "Fîléš" in text and len(text) > len("Files of up to %(size)s MiB, <b>see</b> {name}") * 1.3
