"""Seen-records: marking twice is harmless, and a bad id in a batch marks nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from securedrop import db
from securedrop.domain import seen
from securedrop.models import Journalist, SeenFile, SeenMessage, Submission
from securedrop.services import Services
from tests.functional.api_world import seed_source
from tests.unit.domain.world import add_journalist


def _seen_count(services: Services) -> int:
    with services.sessions() as session:
        return sum(
            int(session.scalar(select(func.count()).select_from(model)) or 0) for model in (SeenFile, SeenMessage)
        )


def test_marking_the_same_items_twice_records_them_once(services: Services) -> None:
    journalist_id = add_journalist(services, "dellsberg")
    seed_source(services)
    for _ in range(2):
        with db.unit_of_work(services.sessions) as session:
            seen.mark_seen(session, journalist_id, list(session.scalars(select(Submission))))
    assert _seen_count(services) == 2


def test_a_batch_with_one_wrong_id_marks_nothing(services: Services) -> None:
    journalist_id = add_journalist(services, "dellsberg")
    seeded = seed_source(services)
    assert seeded.message_uuid is not None and seeded.document_uuid is not None
    with db.unit_of_work(services.sessions) as session:
        journalist = session.get(Journalist, journalist_id)
        assert journalist is not None
        with pytest.raises(seen.NothingToMark):
            seen.mark_resources_seen(session, journalist, [], [], [])
        # A message id among the files is the wrong kind.
        with pytest.raises(seen.SeenItemNotFound) as caught:
            seen.mark_resources_seen(session, journalist, [seeded.document_uuid, seeded.message_uuid], [], [])
        assert (caught.value.kind, caught.value.item_id) == ("file", seeded.message_uuid)
    assert _seen_count(services) == 0
    with db.unit_of_work(services.sessions) as session:
        journalist = session.get(Journalist, journalist_id)
        assert journalist is not None
        seen.mark_resources_seen(session, journalist, [seeded.document_uuid], [seeded.message_uuid], [])
    assert _seen_count(services) == 2
