"""Server-offered passphrases, bound to the session that was shown them."""

from __future__ import annotations

from securedrop.crypto.passwords import generate_passphrase
from securedrop.web.state import server_session

_KEY = "offered_passphrase"


def offer(for_whom: int | str) -> str:
    """A fresh passphrase for an account id (or "new"), remembered in the session:
    only this offer can be accepted, so nobody picks their own."""
    passphrase = generate_passphrase()
    server_session()[_KEY] = {"for": for_whom, "passphrase": passphrase}
    return passphrase


def offered(for_whom: int | str) -> str | None:
    held = server_session().get(_KEY)
    if not isinstance(held, dict) or held.get("for") != for_whom:
        return None
    return str(held["passphrase"])


def forget() -> None:
    server_session().pop(_KEY, None)
