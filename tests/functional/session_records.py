"""Reaching into a browser's server-side session record, as only its cookie's holder can."""

from __future__ import annotations

from datetime import datetime

from flask.testing import FlaskClient

from securedrop import db
from securedrop.models import WebSession
from securedrop.services import Services
from securedrop.web.session_cookies import decode_record_cookie
from securedrop.web.sessions import _hash_id, seal_record, unseal_record


def set_expiry(services: Services, client: FlaskClient, cookie_name: str, expires_at: datetime) -> None:
    """Make the session behind `client`'s cookie expire at `expires_at` (sealed, and its purge hour)."""
    cookie = client.get_cookie(cookie_name)
    assert cookie is not None
    decoded = decode_record_cookie(cookie.value)
    assert decoded is not None, "the browser holds no server-side session"
    session_id, key = decoded
    with db.unit_of_work(services.sessions) as unit:
        record = unit.get(WebSession, _hash_id(session_id))
        assert record is not None
        session = unseal_record(record, key)
        session.expires_at = expires_at
        seal_record(record, key, session)


def sealed_expiry(services: Services, client: FlaskClient, cookie_name: str) -> datetime:
    """When the session behind `client`'s cookie expires, read through its key."""
    cookie = client.get_cookie(cookie_name)
    assert cookie is not None
    decoded = decode_record_cookie(cookie.value)
    assert decoded is not None
    session_id, key = decoded
    with services.sessions() as unit:
        record = unit.get(WebSession, _hash_id(session_id))
        assert record is not None
        expires_at = unseal_record(record, key).expires_at
    assert expires_at is not None
    return expires_at
