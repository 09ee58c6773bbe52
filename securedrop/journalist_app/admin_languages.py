"""Admin page choosing which installed languages both interfaces offer, with each one's review state."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from securedrop.catalogs import review_state
from securedrop.config import TRANSLATIONS_DIR
from securedrop.domain import languages
from securedrop.i18n import FALLBACK, native_name
from securedrop.journalist_app.context import require_admin
from securedrop.journalist_app.forms import OfferedLanguagesForm
from securedrop.web.state import current_db, instance_config, services, supported_locales

blueprint = Blueprint("admin_languages", __name__, url_prefix="/admin")
blueprint.before_request(require_admin)


@dataclass(frozen=True)
class LanguageRow:
    code: str
    name: str
    offered: bool
    #: interface → (reviewed, in review, missing); empty when no .po file is installed.
    state: dict[str, tuple[int, int, int]]

    def percent_shown(self, interface: str) -> int:
        """How much of the interface shows in this language (reviewed or draft)."""
        done, review, missing = self.state[interface]
        return round(100 * (done + review) / max(done + review + missing, 1))


@cache
def _state(po: Path, _mtime: float) -> dict[str, tuple[int, int, int]]:
    with po.open("rb") as handle:
        return review_state(read_po(handle, locale=po.parent.parent.name))


def _rows() -> list[LanguageRow]:
    installed: list[str] = list(supported_locales())
    offered = set(languages.offered_locales(instance_config(), installed, _always()))
    rows = []
    for code in installed:
        po = TRANSLATIONS_DIR / code / "LC_MESSAGES" / "messages.po"
        state = _state(po, po.stat().st_mtime) if po.is_file() else {}
        rows.append(LanguageRow(code, native_name(code), code in offered, state))
    return rows


def _always() -> str:
    default = services().settings.default_locale
    return default if default in list(supported_locales()) else FALLBACK


@blueprint.route("/languages", methods=["GET", "POST"])
def index() -> Any:
    if request.method == "POST":
        try:
            languages.set_offered_locales(current_db(), OfferedLanguagesForm().offered.data or [],
                                          list(supported_locales()), _always())
        except languages.UnknownLanguage:
            flash(gettext("That language is not installed on this server."), "error")
            return render_template("admin_languages.html", rows=_rows(), always=_always()), 400
        flash(gettext("Offered languages saved."), "success")
        return redirect(url_for("admin_languages.index"))
    return render_template("admin_languages.html", rows=_rows(), always=_always())
