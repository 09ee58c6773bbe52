"""`make i18n-compile`: build each catalog's .mo in place, shipping reviewed entries and
unreviewed machine drafts but never an entry a translator or an English change has put
back into review (securedrop/catalogs.py says which). Quiet unless a catalog fails."""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from securedrop.catalogs import shipped_catalog

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "securedrop" / "translations"


def compile_catalog(po: Path) -> Path:
    locale = po.parent.parent.name
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    mo = po.with_suffix(".mo")
    with mo.open("wb") as handle:
        write_mo(handle, shipped_catalog(catalog))
    return mo


def main(directory: Path = TRANSLATIONS) -> int:
    failed = 0
    for po in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        try:
            compile_catalog(po)
        except Exception as exc:  # noqa: BLE001 (report every broken catalog, then fail)
            print(f"{po}: does not compile: {exc}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else TRANSLATIONS))
