"""QR codes of 2FA provisioning URIs: inline SVG for the web, text for the terminal."""

from __future__ import annotations

import io

import segno


def svg_markup(data: str) -> str:
    """An <svg> element to place inline in HTML (the CSP forbids data: images)."""
    code = segno.make(data, error="m")
    return str(code.svg_inline(scale=5, dark="#1d1d2b", light="#ffffff", border=2))


def terminal_text(data: str) -> str:
    """The QR code drawn with block characters, for `securedrop add-journalist`."""
    code = segno.make(data, error="m")
    out = io.StringIO()
    code.terminal(out=out, compact=True, border=2)
    return out.getvalue()
