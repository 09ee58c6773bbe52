"""Admin alerts through a real relay: each condition mailed to admins only, at most once an hour, and shown."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from securedrop import onion
from securedrop.config import Settings
from securedrop.domain.system_facts import BACKUP_STATE, ONION_STATE, WORKER_STAMP
from securedrop.models.base import utcnow
from securedrop.notifier import Notifier
from securedrop.onion.address import address_of_service_key
from securedrop.services import Services
from tests.conftest import make_settings
from tests.functional.api_world import seed_source
from tests.functional.journalist_journey import Account, Clock, logged_in, login, post
from tests.functional.smtp_relay import PASSWORD, USERNAME, Relay, starttls_relay
from tests.functional.worker_stamp import worker_ran


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[Relay]:
    with starttls_relay(tmp_path) as running:
        yield running


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    """A 16 MiB tmpfs, so the test can really fill the disk the data dir is on."""
    mount = tmp_path / "tmpfs"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (the CI and `make test` run as root)")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", str(mount)], check=True)
    try:
        yield mount / "data"
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def settings(data_dir: Path, database_url: str, relay: Relay) -> Settings:
    return make_settings(data_dir, database_url, smtp_ca_file=str(relay.cert_file))


@pytest.fixture
def admin_client(journalist_client: FlaskClient, admin: Account, clock: Clock) -> FlaskClient:
    return logged_in(journalist_client, admin, clock)


def configure(client: FlaskClient, relay: Relay, journalist: Account) -> None:
    form = {"host": "127.0.0.1", "port": str(relay.port), "security": "starttls", "sender": "sd@newsroom.test",
            "username": USERNAME, "password": PASSWORD, "digest_hour": "23"}
    assert post(client, "/admin/mail", form, page="/admin/mail").status_code == 302
    for path, address in (("/account/notifications", "boss@newsroom.test"),
                          (f"/admin/edit/{journalist.id}/notifications", "dana@newsroom.test")):
        response = post(client, path, {"email": address, "preference": "none"}, page=path)
        assert response.status_code == 302


def alert_texts(relay: Relay) -> list[tuple[list[str], str]]:
    return [(r.recipients, str(r.message.get_content())) for r in relay.received]


def test_a_full_disk_is_mailed_to_admins_once_an_hour_and_shown(
    admin_client: FlaskClient, relay: Relay, services: Services, journalist: Account, data_dir: Path,
) -> None:
    configure(admin_client, relay, journalist)
    notifier = Notifier(services)
    now = utcnow()
    worker_ran(data_dir, now)
    assert notifier.run_once(now).alerts == []

    filler = data_dir / "filler"
    free = shutil.disk_usage(data_dir).free
    with open(filler, "wb") as handle:
        handle.write(b"\0" * (free - 512 * 1024))  # leave less than 10 % free
    assert notifier.run_once(now).alerts == ["disk_full"]
    [(recipients, text)] = alert_texts(relay)
    assert recipients == ["boss@newsroom.test"]  # admins only, never the journalist
    assert "The data directory is" in text and "% full." in text
    page = admin_client.get("/admin/system").get_data(as_text=True)
    assert "1 alert condition holds" in page and "<strong>Alert</strong>" in page

    worker_ran(data_dir, now + timedelta(minutes=30))
    assert notifier.run_once(now + timedelta(minutes=30)).alerts == []  # told within the hour
    worker_ran(data_dir, now + timedelta(minutes=61))
    assert notifier.run_once(now + timedelta(minutes=61)).alerts == ["disk_full"]
    assert len(relay.received) == 2

    filler.unlink()
    assert notifier.run_once(now + timedelta(minutes=62)).alerts == []
    assert "No alert condition holds." in admin_client.get("/admin/system").get_data(as_text=True)


def test_every_other_condition_is_detected_mailed_and_shown(
    journalist_client: FlaskClient, admin: Account, clock: Clock, relay: Relay, services: Services,
    journalist: Account, data_dir: Path,
) -> None:
    client = logged_in(journalist_client, admin, clock)
    configure(client, relay, journalist)
    client.post("/logout", data={})
    for _ in range(21):  # wrong passphrases (throttled ones count too)
        assert login(journalist_client, journalist, clock, passphrase="wrong").status_code == 401
    stale = time.time() - 11 * 60
    (data_dir / WORKER_STAMP).touch()
    os.utime(data_dir / WORKER_STAMP, (stale, stale))
    (data_dir / "state").mkdir()
    (data_dir / BACKUP_STATE).write_text(json.dumps(
        {"ok": False, "finished_at": utcnow().isoformat(), "error": "no space left on the backup disk"}
    ))
    (data_dir / ONION_STATE).write_text(json.dumps({"published": False, "checked_at": utcnow().isoformat()}))

    mailed = Notifier(services).run_once(utcnow())
    assert sorted(mailed.alerts) == ["backup_failed", "login_failures", "onion_unpublished", "worker_stalled"]
    texts = sorted(text.split("\n")[0] for _recipients, text in alert_texts(relay))
    assert texts == [
        "An onion service is no longer published: check tor and securedrop serve.",
        "More than 20 journalist logins failed in the last hour.",
        "The background worker has not completed a round for more than 10 minutes.",
        "The last nightly backup failed.",
    ]
    assert all(recipients == ["boss@newsroom.test"] for recipients, _text in alert_texts(relay))

    client = logged_in(journalist_client, admin, clock)
    page = client.get("/admin/system").get_data(as_text=True)
    assert "4 alert conditions hold" in page and page.count("<strong>Alert</strong>") == 4
    assert "no space left on the backup disk" in page and ">21<" in page


def test_send_test_alert_really_sends_to_every_admin_with_an_address(
    admin_client: FlaskClient, relay: Relay, services: Services, journalist: Account, data_dir: Path,
) -> None:
    configure(admin_client, relay, journalist)
    (data_dir / WORKER_STAMP).touch()
    response = post(admin_client, "/admin/test-alert", page="/admin/system")
    assert response.status_code == 302
    assert "Test alert queued for 1 admin." in admin_client.get("/admin/system").get_data(as_text=True)
    Notifier(services).run_once(utcnow())
    [(recipients, text)] = alert_texts(relay)
    assert recipients == ["boss@newsroom.test"]
    assert text.startswith("This is a test alert sent from the admin interface.")


def test_the_system_page_shows_both_onion_addresses_and_counts_as_status_does(
    admin_client: FlaskClient, services: Services, settings: Settings
) -> None:
    page = admin_client.get("/admin/system").get_data(as_text=True)
    assert "no onion key yet" in page and "0 sources, 0 submissions, 0 replies" in page
    source_key = onion.load_or_create_service_key(settings.onion_dir / "source.key")
    journalist_key = onion.load_or_create_service_key(settings.onion_dir / "journalist.key")
    seed_source(services)
    page = admin_client.get("/admin/system").get_data(as_text=True)
    for key in (source_key, journalist_key):
        assert f"http://{address_of_service_key(key)}.onion/" in page
    assert "1 source, 2 submissions, 0 replies" in page
