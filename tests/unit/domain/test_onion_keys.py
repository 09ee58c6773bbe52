"""Onion client keys: issued per device (public half stored), listed, revoked."""

from __future__ import annotations

import pytest

from securedrop import db
from securedrop.domain import NotFound, onion_keys
from securedrop.domain.journalists import ProtectedAccount, deleted_user
from securedrop.models import Journalist
from securedrop.services import Services
from tests.unit.domain.world import add_journalist


def test_keys_are_issued_listed_and_revoked(services: Services) -> None:
    journalist_id = add_journalist(services, "dellsberg")
    with db.unit_of_work(services.sessions) as session:
        journalist = session.get(Journalist, journalist_id)
        assert journalist is not None
        issued = onion_keys.issue_key(session, journalist, "  newsroom   laptop ")
        assert issued.row.device_name == "newsroom laptop"
        assert issued.private_b32 not in issued.row.public_key
        for bad in ("", "x" * (onion_keys.MAX_DEVICE_NAME + 1)):
            with pytest.raises(onion_keys.InvalidDeviceName):
                onion_keys.issue_key(session, journalist, bad)
        with pytest.raises(ProtectedAccount):
            onion_keys.issue_key(session, deleted_user(session), "placeholder's phone")
        key_uuid, public = issued.row.uuid, issued.row.public_key
    with db.unit_of_work(services.sessions) as session:
        assert [k.uuid for k in onion_keys.list_keys(session)] == [key_uuid]
        assert onion_keys.authorized_public_keys(session) == [public]
        onion_keys.revoke_key(session, key_uuid)
        with pytest.raises(NotFound):
            onion_keys.revoke_key(session, key_uuid)
    with services.sessions() as session:
        assert onion_keys.authorized_public_keys(session) == []
