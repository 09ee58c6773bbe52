"""Admin pages for onion client keys: issue (private half shown once), list, revoke."""

from __future__ import annotations

import html
import re

from flask.testing import FlaskClient
from sqlalchemy import select

from securedrop import db
from securedrop.domain import journalists as accounts
from securedrop.models.onion_keys import OnionClientKey
from securedrop.services import Services
from tests.functional.api_world import count_rows
from tests.functional.journalist_journey import Account, Clock, logged_in, post


def test_admin_issues_lists_and_revokes_a_key(journalist_client: FlaskClient, admin: Account, journalist: Account,
                                              clock: Clock, services: Services) -> None:
    (services.settings.data_dir / "onion").mkdir(mode=0o700)
    address = "jwtpqio2lfizvuscqnyd5kcib65nuajmvp4saekrziy6vrbujv3nrmad"
    (services.settings.data_dir / "onion" / "journalist.address").write_text(address + "\n")
    logged_in(journalist_client, admin, clock)
    page = post(journalist_client, "/admin/onion-keys/issue", {"uid": journalist.id, "device": "newsroom laptop"},
                page="/admin/onion-keys/").get_data(as_text=True)
    private = re.search(r'id="private-key" readonly value="([A-Z2-7]{52})"', page)
    assert private, page
    assert f"{address}:descriptor:x25519:{private.group(1)}" in page
    with services.sessions() as session:
        row = session.scalars(select(OnionClientKey)).one()
        # Only the public half is kept.
        assert row.public_key != private.group(1) and len(row.public_key) == 52
    listing = journalist_client.get("/admin/onion-keys/").get_data(as_text=True)
    assert "newsroom laptop" in listing and journalist.username in listing
    assert private.group(1) not in listing
    response = post(journalist_client, f"/admin/onion-keys/{row.uuid}/revoke", page="/admin/onion-keys/")
    assert response.status_code == 302
    after = html.unescape(journalist_client.get("/admin/onion-keys/").get_data(as_text=True))
    assert "was revoked" in after
    # Sessions cannot be tied to a device: the page says the owner's stay valid.
    assert f"those of {journalist.username} stay valid" in after
    assert count_rows(services, OnionClientKey) == 0


def test_bad_device_name_or_unknown_key_changes_nothing(journalist_client: FlaskClient, admin: Account,
                                                        clock: Clock, services: Services) -> None:
    logged_in(journalist_client, admin, clock)
    response = post(journalist_client, "/admin/onion-keys/issue", {"uid": admin.id, "device": "   "},
                    page="/admin/onion-keys/")
    assert response.status_code == 302
    assert "1 to 100 characters" in journalist_client.get("/admin/onion-keys/").get_data(as_text=True)
    assert post(journalist_client, "/admin/onion-keys/issue", {"uid": "x", "device": "laptop"},
                page="/admin/onion-keys/").status_code == 400
    assert post(journalist_client, "/admin/onion-keys/no-such-key/revoke", page="/admin/onion-keys/").status_code == 404
    assert count_rows(services, OnionClientKey) == 0


def test_no_key_for_the_deleted_placeholder(journalist_client: FlaskClient, admin: Account, clock: Clock,
                                            services: Services) -> None:
    with db.unit_of_work(services.sessions) as session:
        placeholder_id = accounts.deleted_user(session).id
    logged_in(journalist_client, admin, clock)
    response = post(journalist_client, "/admin/onion-keys/issue", {"uid": placeholder_id, "device": "laptop"},
                    page="/admin/onion-keys/")
    assert response.status_code == 400
    assert count_rows(services, OnionClientKey) == 0


def test_non_admins_cannot_issue(journalist_client: FlaskClient, journalist: Account, clock: Clock,
                                 services: Services) -> None:
    logged_in(journalist_client, journalist, clock)
    response = post(journalist_client, "/admin/onion-keys/issue", {"uid": journalist.id, "device": "mine"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert count_rows(services, OnionClientKey) == 0


def test_deleting_a_journalist_revokes_their_keys(services: Services, journalist: Account, admin: Account) -> None:
    from securedrop.domain import onion_keys

    with db.unit_of_work(services.sessions) as session:
        owner = accounts.get_journalist(session, journalist.id)
        onion_keys.issue_key(session, owner, "phone")
        onion_keys.issue_key(session, accounts.get_journalist(session, admin.id), "desk")
    with db.unit_of_work(services.sessions) as session:
        accounts.delete_journalist(session, accounts.get_journalist(session, journalist.id),
                                   accounts.get_journalist(session, admin.id))
    with services.sessions() as session:
        assert [k.device_name for k in onion_keys.list_keys(session)] == ["desk"]
        assert len(onion_keys.authorized_public_keys(session)) == 1
