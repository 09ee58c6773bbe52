"""Mail notifications through a real relay (aiosmtpd, STARTTLS, AUTH) and real gpg: digests, settings, retries."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from securedrop import db
from securedrop.config import Settings
from securedrop.crypto.openpgp import OpenPGP
from securedrop.domain import outbox
from securedrop.domain.retention import set_retention_period
from securedrop.models import MailRelay, NotificationRecipient, OutgoingMail
from securedrop.models.base import utcnow
from securedrop.notifier import Notifier
from securedrop.services import Services
from tests.conftest import Decryptor, make_settings
from tests.functional.api_world import seed_source
from tests.functional.journalist_journey import Account, Clock, logged_in, post
from tests.functional.smtp_relay import (
    PASSWORD,
    USERNAME,
    Received,
    Relay,
    free_port,
    silent_listener,
    starttls_relay,
)
from tests.functional.worker_stamp import worker_ran

SENDER = "securedrop@newsroom.test"
NEW = "There were new submissions in the last 24 hours."
NONE_NEW = "There were no new submissions in the last 24 hours."
RETENTION = "Some sources will be deleted within 7 days."


@dataclass(frozen=True)
class KeyPair:
    fingerprint: str
    public: str
    secret: str


@pytest.fixture(scope="module")
def journalist_keys(tmp_path_factory: pytest.TempPathFactory) -> list[KeyPair]:
    """Two Curve25519 keypairs, as two journalists would paste the public halves."""
    pairs = []
    for n in range(2):
        base = tmp_path_factory.mktemp(f"journalist-key-{n}")
        pgp = OpenPGP(base / "keys", base / "tmp")
        fpr, secret = pgp.generate_dev_submission_key()
        pairs.append(KeyPair(fpr, pgp.export_submission_key(), secret))
    return pairs


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[Relay]:
    with starttls_relay(tmp_path) as running:
        yield running


@pytest.fixture
def settings(tmp_path: Path, database_url: str, relay: Relay) -> Settings:
    # The relay's throwaway certificate is the CA the app trusts, as an operator with a
    # private CA configures it: verification stays on.
    return make_settings(tmp_path / "data", database_url, smtp_ca_file=str(relay.cert_file),
                         supported_locales=("en_US", "de_DE"))


@pytest.fixture
def admin_client(journalist_client: FlaskClient, admin: Account, clock: Clock) -> FlaskClient:
    return logged_in(journalist_client, admin, clock)


def relay_form(relay: Relay, **changes: str) -> dict[str, object]:
    form: dict[str, object] = {
        "host": "127.0.0.1", "port": str(relay.port), "security": "starttls", "sender": SENDER,
        "username": USERNAME, "password": PASSWORD, "digest_hour": "9",
    }
    form.update(changes)
    return form


def next_at(hour: int, minute: int) -> datetime:
    """The next time the UTC clock shows hour:minute (today's, or tomorrow's if it has passed)."""
    now = utcnow()
    at = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return at if at > now else at + timedelta(days=1)


def set_up_relay(client: FlaskClient, relay: Relay) -> None:
    response = post(client, "/admin/mail", relay_form(relay), page="/admin/mail")
    assert response.status_code == 302, response.get_data(as_text=True)


def set_notifications(client: FlaskClient, path: str, email: str, key: str = "", preference: str = "digest") -> str:
    response = post(client, path, {"email": email, "public_key": key, "preference": preference}, page=path)
    return response.get_data(as_text=True) if response.status_code != 302 else ""


def relay_row(services: Services) -> MailRelay | None:
    with services.sessions() as session:
        return session.get(MailRelay, 1)


def recipients(services: Services) -> list[NotificationRecipient]:
    with services.sessions() as session:
        return list(session.scalars(select(NotificationRecipient)))


def encrypted_text(decryptor: Decryptor, message_bytes: bytes) -> str:
    """The plain text inside an OpenPGP/MIME message, decrypted with the gpg CLI."""
    from email import message_from_bytes, policy

    message = message_from_bytes(message_bytes, policy=policy.default)
    assert message.get_content_type() == "multipart/encrypted"
    control, payload = message.get_payload()  # type: ignore[misc]  # a multipart's parts
    assert control.get_content_type() == "application/pgp-encrypted"
    inner = message_from_bytes(decryptor.decrypt(payload.get_payload().encode()), policy=policy.default)
    return str(inner.get_content())  # type: ignore[attr-defined]  # policy.default gives EmailMessage


def digests(relay: Relay) -> dict[tuple[str, ...], Received]:
    return {tuple(r.recipients): r for r in relay.received if r.message["Subject"] == "SecureDrop daily digest"}


# -- the relay settings ---------------------------------------------------------------------

def test_admin_sets_up_the_relay_and_a_test_email_really_arrives(
    admin_client: FlaskClient, relay: Relay, services: Services
) -> None:
    set_up_relay(admin_client, relay)
    row = relay_row(services)
    assert row is not None and row.security == "starttls" and row.username == USERNAME
    # Sealed, not stored: the password is nowhere in the row or on the page.
    assert row.sealed_password and PASSWORD.encode() not in row.sealed_password
    page = admin_client.get("/admin/mail").get_data(as_text=True)
    assert PASSWORD not in page and "will not be shown again" in page

    # Saving again with the password field empty keeps the sealed password working.
    response = post(admin_client, "/admin/mail", relay_form(relay, password="", digest_hour="7"), page="/admin/mail")
    assert response.status_code == 302
    response = post(admin_client, "/admin/mail/test-email", {"address": "desk@newsroom.test"}, page="/admin/mail")
    assert response.status_code == 302
    assert "Test email sent to desk@newsroom.test." in admin_client.get("/admin/mail").get_data(as_text=True)
    assert [r.recipients for r in relay.received] == [["desk@newsroom.test"]]
    assert relay.received[0].sender == SENDER
    assert "Mail delivery works." in str(relay.received[0].message.get_content())


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"port": "closed"}, "The relay could not be reached."),
        ({"password": "wrong password"}, "The relay refused the username or password."),
        ({"host": "mail.newsroom.test", "security": "none"}, "Unencrypted SMTP is allowed only to a relay on this"),
        ({"sender": "not an address"}, "Enter one sender address"),
        ({"sender": "a@b.test\r\nBcc: x@evil.test"}, "Enter one sender address"),
        ({"port": "70000"}, "The port must be a whole number from 1 to 65535."),
        ({"digest_hour": "24"}, "The digest hour must be a whole number from 0 to 23."),
        ({"security": "tls"}, "A secure connection to the relay failed."),
    ],
)
def test_bad_relay_settings_are_explained_and_nothing_is_saved(
    admin_client: FlaskClient, relay: Relay, services: Services, change: dict[str, str], expected: str
) -> None:
    if change.get("port") == "closed":
        change = {"port": str(free_port())}  # nothing listens there
    response = post(admin_client, "/admin/mail", relay_form(relay, **change), page="/admin/mail")
    assert response.status_code == 400
    assert expected in response.get_data(as_text=True)
    assert relay_row(services) is None


def test_a_refused_recipient_is_explained(admin_client: FlaskClient, relay: Relay) -> None:
    set_up_relay(admin_client, relay)
    relay.handler.refuse.add("gone@newsroom.test")
    response = post(admin_client, "/admin/mail/test-email", {"address": "gone@newsroom.test"}, page="/admin/mail")
    assert response.status_code == 400
    assert "The relay refused the recipient address." in response.get_data(as_text=True)
    assert relay.received == []


# -- each journalist's settings ------------------------------------------------------------

def test_bad_notification_settings_are_explained_and_nothing_is_saved(
    journalist_client: FlaskClient, journalist: Account, clock: Clock, services: Services,
    journalist_keys: list[KeyPair],
) -> None:
    client = logged_in(journalist_client, journalist, clock)
    # Only admins set someone else's address.
    assert client.get(f"/admin/edit/{journalist.id + 1}/notifications").status_code == 403
    page = set_notifications(client, "/account/notifications", "dana at newsroom")
    assert "Enter one email address" in page
    page = set_notifications(client, "/account/notifications", "dana@newsroom.test", journalist_keys[0].secret)
    assert "That is a secret key." in page
    page = set_notifications(client, "/account/notifications", "dana@newsroom.test", "not a key at all")
    assert "No single OpenPGP public key was found" in page
    assert recipients(services) == []

    assert set_notifications(client, "/account/notifications", "dana@newsroom.test", journalist_keys[0].public) == ""
    [saved] = recipients(services)
    assert saved.email == "dana@newsroom.test" and saved.daily_digest  # the default once an address is set
    assert saved.pgp_fingerprint == journalist_keys[0].fingerprint
    # An empty address turns notifications off and forgets the key.
    assert set_notifications(client, "/account/notifications", "") == ""
    assert recipients(services) == []


# -- the daily digest -----------------------------------------------------------------------

def digest_setup(
    admin_client: FlaskClient, relay: Relay, make_account: Callable[..., Account], journalist_keys: list[KeyPair],
) -> tuple[Account, Account, Account]:
    set_up_relay(admin_client, relay)
    ana, bob, cyd = make_account("ana"), make_account("bob"), make_account("cyd")
    # Same-length addresses: the To header is the only part that may differ by recipient.
    for account, address, key in ((ana, "ana@newsroom.test", journalist_keys[0]),
                                  (bob, "bob@newsroom.test", journalist_keys[1])):
        set_notifications(admin_client, f"/admin/edit/{account.id}/notifications", address, key.public)
    # cyd sets no address; the admin chose no digest.
    set_notifications(admin_client, "/account/notifications", "boss@newsroom.test", preference="none")
    return ana, bob, cyd


def test_daily_digest_is_encrypted_equal_sized_and_sent_every_day(
    admin_client: FlaskClient, relay: Relay, services: Services, make_account: Callable[..., Account],
    journalist_keys: list[KeyPair], tmp_path: Path,
) -> None:
    digest_setup(admin_client, relay, make_account, journalist_keys)
    seed_source(services)
    notifier = Notifier(services)
    # The next 09:05 (the configured hour is 9): the source wrote within the last 24 h.
    morning = next_at(9, 5)

    # No worker runs in these tests, so the admin (who has an address but wants no
    # digest) also gets a stall alert: only the digests are looked at here.
    before = notifier.run_once(morning - timedelta(hours=1))  # 08:05: not yet
    assert before.digests == 0 and digests(relay) == {}
    first = notifier.run_once(morning)
    assert (first.digests, first.failed) == (2, 0)
    assert notifier.run_once(morning + timedelta(minutes=30)).digests == 0  # once a day
    day_one = digests(relay)
    assert set(day_one) == {("ana@newsroom.test",), ("bob@newsroom.test",)}

    ana_gpg = Decryptor(tmp_path / "ana-gpg", journalist_keys[0].secret)
    bob_gpg = Decryptor(tmp_path / "bob-gpg", journalist_keys[1].secret)
    try:
        ana_text = encrypted_text(ana_gpg, day_one[("ana@newsroom.test",)].data)
        assert NEW in ana_text and NONE_NEW not in ana_text
        assert NEW in encrypted_text(bob_gpg, day_one[("bob@newsroom.test",)].data)

        # The next day, with no activity, a digest still goes out: same size, other sentence.
        relay.received.clear()
        assert notifier.run_once(morning + timedelta(days=1, hours=2)).digests == 2
        day_two = digests(relay)
        assert set(day_two) == set(day_one)
        assert NONE_NEW in encrypted_text(ana_gpg, day_two[("ana@newsroom.test",)].data)
        sizes = {len(r.data) for r in [*day_one.values(), *day_two.values()]}
        assert len(sizes) == 1, sizes
        # Nothing about sources travels in the clear.
        for received in [*day_one.values(), *day_two.values()]:
            assert b"submission" not in received.data.lower()
    finally:
        ana_gpg.close()
        bob_gpg.close()


def test_the_digest_warns_when_retention_deletes_a_source_within_a_week_at_the_same_size(
    admin_client: FlaskClient, relay: Relay, services: Services, make_account: Callable[..., Account],
    journalist_keys: list[KeyPair], tmp_path: Path,
) -> None:
    digest_setup(admin_client, relay, make_account, journalist_keys)
    seed_source(services)
    notifier = Notifier(services)
    morning = next_at(9, 5)
    notifier.run_once(morning)
    quiet = digests(relay)[("ana@newsroom.test",)]
    relay.received.clear()
    with db.unit_of_work(services.sessions) as session:
        set_retention_period(session, 30)
    # 30 days on, the source (idle since today) is due within the week.
    notifier.run_once(morning + timedelta(days=25))
    warned = digests(relay)[("ana@newsroom.test",)]
    ana_gpg = Decryptor(tmp_path / "ana-gpg", journalist_keys[0].secret)
    try:
        assert RETENTION not in encrypted_text(ana_gpg, quiet.data)
        assert RETENTION in encrypted_text(ana_gpg, warned.data)
    finally:
        ana_gpg.close()
    assert len(warned.data) == len(quiet.data)


def test_digest_is_written_in_the_journalists_language(
    journalist_client: FlaskClient, journalist: Account, clock: Clock, admin: Account, relay: Relay,
    services: Services, journalist_keys: list[KeyPair],
) -> None:
    client = logged_in(journalist_client, journalist, clock)
    client.get("/?l=de_DE")
    assert set_notifications(client, "/account/notifications", "dana@newsroom.test") == ""
    assert recipients(services)[0].locale == "de_DE"
    client.post("/logout", data={})
    admin_client = logged_in(journalist_client, admin, clock)
    admin_client.get("/?l=en_US")
    set_up_relay(admin_client, relay)
    Notifier(services).run_once(utcnow().replace(hour=10))
    [received] = relay.received
    text = str(received.message.get_content())
    assert "Es gab keine neuen Einsendungen" in text, text


# -- retries and reporting ------------------------------------------------------------------

def test_a_refusing_relay_is_retried_with_backoff_then_reported(
    admin_client: FlaskClient, relay: Relay, services: Services,
) -> None:
    set_up_relay(admin_client, relay)
    set_notifications(admin_client, "/account/notifications", "boss@newsroom.test")
    relay.handler.failing = True
    notifier = Notifier(services)
    start = utcnow().replace(hour=9, minute=0)
    worker_ran(services.settings.data_dir, start)  # the one mail is the digest, not a stall alert
    assert notifier.run_once(start).failed == 1
    assert notifier.run_once(start + timedelta(seconds=30)).failed == 0  # backing off
    when = start
    for wait in (1, 2, 4):  # minutes: each wait doubles
        when += timedelta(minutes=wait, seconds=1)
        assert notifier.run_once(when).failed == 1
    with services.sessions() as session:
        [row] = session.scalars(select(OutgoingMail))
        assert row.status == "failed" and row.attempts == outbox.MAX_ATTEMPTS and row.message == b""
    page = admin_client.get("/admin/system").get_data(as_text=True)
    assert "boss@newsroom.test" in page and "451" in page and "delivery-failure" in page
    assert relay.received == []


def test_a_relay_that_never_answers_times_out_and_is_retried(
    admin_client: FlaskClient, relay: Relay, services: Services,
) -> None:
    set_up_relay(admin_client, relay)
    set_notifications(admin_client, "/account/notifications", "boss@newsroom.test")
    notifier = Notifier(services, send_timeout=1.0)
    start = utcnow().replace(hour=9, minute=0)
    worker_ran(services.settings.data_dir, start)  # the one mail is the digest, not a stall alert
    with silent_listener() as port:
        with services.sessions.begin() as session:
            row = session.get(MailRelay, 1)
            assert row is not None
            row.port = port  # the relay now accepts connections and never answers
        assert notifier.run_once(start).failed == 1
    page = admin_client.get("/admin/system").get_data(as_text=True)
    assert "1 message failed and will be retried." in page
    with services.sessions() as session:
        pending = select(func.count()).select_from(OutgoingMail).where(OutgoingMail.status == "pending")
        assert session.scalar(pending) == 1
