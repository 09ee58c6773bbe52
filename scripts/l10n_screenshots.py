"""`make l10n-screenshots LOCALES="fr_FR ar pseudo"`: every page of both interfaces in each
language beside English, as PNGs and one index.html gallery (default: l10n-screenshots/)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the gallery lives with the browser tests it shares code with

from securedrop import devdata  # noqa: E402 (after the path set-up above)
from securedrop.cli import prepare_dev  # noqa: E402 (after the path set-up above)
from tests.functional import l10n_gallery  # noqa: E402 (after the path set-up above)
from tests.functional.live_server import LiveServer  # noqa: E402 (after the path set-up above)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("locales", nargs="+", help='locale codes, and "pseudo" for the pseudo-locale')
    parser.add_argument("--out", type=Path, default=ROOT / "l10n-screenshots")
    args = parser.parse_args(argv)
    pseudo = l10n_gallery.pseudo_catalog() if l10n_gallery.PSEUDO in args.locales else contextlib.nullcontext()
    with tempfile.TemporaryDirectory() as data, pseudo:
        data_dir = Path(data) / "data"
        services, _codenames = prepare_dev(data_dir, 2)
        services.engine.dispose()
        env = {**os.environ, "SECUREDROP_DATA_DIR": str(data_dir)}
        with LiveServer("source_app", env) as source, LiveServer("journalist_app", env) as journalist:
            credentials = (devdata.DEV_USERNAME, devdata.DEV_PASSPHRASE, devdata.DEV_TOTP_SECRET)
            captured = l10n_gallery.capture(source, journalist, args.locales, args.out, credentials)
    missing = [f"{locale}: {page}" for locale, pages in captured.items()
               for page in l10n_gallery.PAGES if page not in pages]
    print(f"{args.out / 'index.html'}: {sum(map(len, captured.values()))} screenshots")
    for line in missing:
        print(f"not captured: {line}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
