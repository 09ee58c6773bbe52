"""New 2FA secrets waiting in the session until a code from them verifies (account and admin)."""

from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from securedrop.crypto import otp, qr
from securedrop.domain import authentication as auth
from securedrop.domain.journalists import TwoFactor, set_two_factor
from securedrop.models.journalists import Journalist
from securedrop.web.state import current_db, instance_config, now, server_session

_KEY = "pending_2fa"


def begin(target: Journalist, two_factor: TwoFactor) -> None:
    """Hold the new secret in the (sealed, server-side) session: an abandoned reset
    leaves the old secret working."""
    server_session()[_KEY] = {"for": target.id, "secret": two_factor.secret, "totp": two_factor.is_totp}


def pending(target: Journalist) -> TwoFactor | None:
    held = server_session().get(_KEY)
    if not isinstance(held, dict) or held.get("for") != target.id:
        return None
    return TwoFactor(str(held["secret"]), bool(held["totp"]))


def finish(target: Journalist, code: str) -> bool:
    """Apply the pending secret if `code` comes from it (all sessions of `target` end)."""
    two_factor = pending(target)
    if two_factor is None:
        return False
    try:
        consumed = auth.verify_new_secret(two_factor.secret, two_factor.is_totp, code, now())
    except auth.LoginFailed:
        return False
    set_two_factor(current_db(), target, two_factor, consumed)
    server_session().pop(_KEY, None)
    return True


def render_verify(target: Journalist, two_factor: TwoFactor, action: str, status: int = 200) -> tuple[str, int]:
    """The page that shows a new TOTP secret (QR code and text) or asks for an HOTP code."""
    svg = None
    if two_factor.is_totp:
        issuer = instance_config().organization_name
        # segno escapes nothing it draws from: the URI is ours, and the SVG holds only paths.
        svg = Markup(qr.svg_markup(otp.provisioning_uri(two_factor.secret, target.username, issuer)))  # noqa: S704 (our own URI, path-only SVG)
    return (
        render_template(
            "verify_2fa.html",
            target=target,
            two_factor=two_factor,
            grouped_secret=otp.grouped(two_factor.secret),
            qr_svg=svg,
            action=action,
        ),
        status,
    )
