"""The journalist login throttle as the web sees it: its key, the client, the device cookie."""

from __future__ import annotations

from flask import current_app, request
from werkzeug.wrappers import Response

from securedrop.crypto.sealing import derive_key
from securedrop.domain.login_throttle import DEVICE_TOKEN_LIFETIME, LoginClient, LoginThrottle
from securedrop.web.state import now, server_session, services

#: Holds the device token of an earlier successful login (see domain.login_throttle).
DEVICE_COOKIE = "sd_device"


def login_throttle() -> LoginThrottle:
    return LoginThrottle(derive_key(services().settings.journalist_secret_key, b"journalist login throttle"))


def browser_client() -> LoginClient:
    """This browser: its session's random CSRF secret, and its device token if it has one."""
    csrf_secret = server_session().get("csrf_token")
    return LoginClient(
        browser=csrf_secret if isinstance(csrf_secret, str) else None,
        device_token=request.cookies.get(DEVICE_COOKIE),
    )


def remember_device(response: Response, username: str) -> Response:
    """Give this browser a device token for `username` after a successful login."""
    response.set_cookie(
        DEVICE_COOKIE,
        login_throttle().issue_device_token(username, now()),
        max_age=int(DEVICE_TOKEN_LIFETIME.total_seconds()),
        httponly=True,
        samesite="Strict",
        # As the session cookie: onion services are plain HTTP at the app.
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE", False)),
    )
    return response
