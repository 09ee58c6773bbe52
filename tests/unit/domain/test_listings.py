"""Read models: the index and the API listings show live sources with the right counts."""

from __future__ import annotations

from sqlalchemy import select

from securedrop import db
from securedrop.domain import listings, seen
from securedrop.models import Source, Submission
from securedrop.services import Services
from tests.functional.api_world import seed_source
from tests.unit.domain.world import add_journalist, add_source


def test_the_index_lists_live_sources_starred_first_with_unread_counts(services: Services) -> None:
    journalist_id = add_journalist(services, "dellsberg")
    plain = seed_source(services)
    starred = seed_source(services, document=None)
    add_source(services)  # pending: never listed
    with db.unit_of_work(services.sessions) as session:
        row = session.scalar(select(Source).where(Source.uuid == starred.uuid))
        assert row is not None
        row.is_starred = True
        seen.mark_seen(session, journalist_id, list(row.submissions))
    with services.sessions() as session:
        page = listings.list_sources(session, journalist_id)
        assert page.total == 2
        assert [r.filesystem_id for r in page.rows] == [starred.filesystem_id, plain.filesystem_id]
        assert [(r.messages, r.documents, r.unread) for r in page.rows] == [(1, 0, 0), (1, 1, 2)]
        designation = page.rows[1].designation
        filtered = listings.list_sources(session, journalist_id, designation.upper())
        assert [r.filesystem_id for r in filtered.rows] == [plain.filesystem_id]
        assert listings.list_sources(session, journalist_id, "%").total == 0


def test_the_api_listings_agree_with_what_was_stored(services: Services) -> None:
    author_id = add_journalist(services, "dellsberg")
    seeded = seed_source(services, reply_by=author_id)
    add_source(services)
    with services.sessions() as session:
        (view,) = listings.source_views(session)
        assert (view.uuid, view.messages, view.documents) == (seeded.uuid, 1, 1)
        submissions = listings.submission_views(session)
        assert {s.uuid for s in submissions} == {seeded.message_uuid, seeded.document_uuid}
        assert all(s.seen_by == [] for s in submissions)
        (reply,) = listings.reply_views(session)
        assert reply.journalist_username == "dellsberg" and reply.seen_by == [reply.journalist_uuid]
        assert [j.username for j in listings.all_journalists(session)] == ["dellsberg"]


def test_a_conversation_lists_items_in_interaction_order(services: Services) -> None:
    author_id = add_journalist(services, "dellsberg")
    seeded = seed_source(services, reply_by=author_id)
    with db.unit_of_work(services.sessions) as session:
        source = session.scalar(select(Source).where(Source.uuid == seeded.uuid))
        assert source is not None
        message = session.scalar(select(Submission).where(Submission.uuid == seeded.message_uuid))
        assert message is not None
        seen.mark_seen(session, author_id, [message])
        journalist = source.replies[0].journalist
        items = listings.conversation(session, source, journalist)
    assert [(i.number, i.kind, i.seen) for i in items] == [(1, "message", True), (2, "document", False),
                                                          (3, "reply", True)]
