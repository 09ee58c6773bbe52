"""Record versions: which changes stamp which sources, whoever makes them."""

from __future__ import annotations

from sqlalchemy import select, update

from securedrop import db
from securedrop.crypto import otp
from securedrop.domain.authentication import consume_code
from securedrop.domain.seen import mark_seen
from securedrop.domain.versions import current_generation, live_source_stamps
from securedrop.models import Journalist, Source, Submission
from securedrop.models.base import utcnow
from securedrop.services import Services
from tests.functional.api_world import seed_source


def _state(services: Services) -> tuple[int, dict[str, int]]:
    with services.sessions() as session:
        return current_generation(session), live_source_stamps(session)


def _journalist(services: Services) -> int:
    with db.unit_of_work(services.sessions) as session:
        row = Journalist(username="reader", passphrase_hash="x", otp_secret=otp.new_totp_secret())
        session.add(row)
        session.flush()
        return row.id


def test_a_seen_record_stamps_only_its_own_source(services: Services) -> None:
    reader = _journalist(services)
    first, second = seed_source(services), seed_source(services)
    generation, stamps = _state(services)
    with db.unit_of_work(services.sessions) as session:
        item = session.scalar(select(Submission).where(Submission.uuid == first.message_uuid))
        assert item is not None
        mark_seen(session, reader, [item])
    after, new_stamps = _state(services)
    assert after > generation
    assert new_stamps[first.uuid] == after and new_stamps[second.uuid] == stamps[second.uuid]


def test_logins_change_nothing_served_but_names_do(services: Services) -> None:
    reader = _journalist(services)
    generation, _ = _state(services)
    with db.unit_of_work(services.sessions) as session:
        row = session.get(Journalist, reader)
        assert row is not None
        now = utcnow()
        consume_code(session, row, otp.totp(row.otp_secret).at(now), now)  # a bulk UPDATE
        row.last_login = now
        row.hotp_counter += 1
    assert _state(services)[0] == generation
    with db.unit_of_work(services.sessions) as session:
        row = session.get(Journalist, reader)
        assert row is not None
        row.first_name = "Ada"
    assert _state(services)[0] == generation + 1


def test_unattributed_bulk_changes_stamp_every_source_and_rollbacks_nothing(services: Services) -> None:
    first, second = seed_source(services), seed_source(services)
    generation, _ = _state(services)
    with db.unit_of_work(services.sessions) as session:
        session.execute(update(Source).where(Source.uuid == first.uuid).values(is_starred=True))
    after, stamps = _state(services)
    assert stamps[first.uuid] == stamps[second.uuid] == after > generation
    session = services.sessions()
    try:
        source = session.scalar(select(Source).where(Source.uuid == second.uuid))
        assert source is not None
        source.is_starred = True
        session.flush()
    finally:
        db.rollback(session)
        session.close()
    assert _state(services) == (after, stamps)
