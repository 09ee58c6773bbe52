"""A source's session: log in, the logged-in source, and ending a session with a notice."""

from __future__ import annotations

from flask import flash
from flask_babel import gettext

from securedrop.models import Source
from securedrop.web.state import request_state, server_session


def log_in(source: Source, key_passphrase: str) -> None:
    sess = server_session()
    sess.restart()  # a new id at login: no session fixation
    sess.source_id = source.id
    # Stored only inside the session record sealed under the cookie's key.
    sess["key_passphrase"] = key_passphrase


def logged_in_source() -> Source:
    """The logged-in source (only inside login_required views)."""
    source = request_state().source
    assert source is not None
    return source


def reset_session() -> None:
    """Forget everything but the chosen language, under a fresh session id."""
    server_session().restart()


def logged_out_notice() -> None:
    flash(
        gettext(
            "You have been logged out due to inactivity or a problem with your session. "
            "Click the New Identity button in Tor Browser's toolbar before moving on: "
            "this clears what the browser kept of your visit."
        ),
        "error",
    )
