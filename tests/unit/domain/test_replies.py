"""Replies, without an app: encrypted to the source, refused when empty or not encrypted."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from securedrop import db
from securedrop.domain import NotFound, ReplyRejected
from securedrop.domain import replies as replies_domain
from securedrop.models import Journalist, Reply, SeenReply, Source
from securedrop.services import Services
from tests.functional.api_world import encrypt_armored
from tests.unit.domain.world import add_journalist, add_source


def _count(services: Services) -> int:
    with services.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Reply)) or 0)


def test_a_sent_reply_is_read_by_its_source_and_seen_by_its_author(services: Services) -> None:
    author_id = add_journalist(services, "dellsberg")
    source_id, key_passphrase = add_source(services)
    with db.unit_of_work(services.sessions) as session:
        source, author = session.get(Source, source_id), session.get(Journalist, author_id)
        assert source is not None and author is not None
        reply = services.replies(session).send(source, author, "We read your documents.")
        assert reply.filename.endswith("-reply.gpg")
    with services.sessions() as session:
        source = session.get(Source, source_id)
        assert source is not None
        shown = services.replies(session).for_source(source, key_passphrase)
        assert [r.text for r in shown] == ["We read your documents."]
        seen = session.scalars(select(SeenReply.journalist_id)).all()
        assert seen == [author_id]


@pytest.mark.parametrize("text", ["", "   \n", "x" * (replies_domain.MAX_REPLY_CHARS + 1)])
def test_empty_or_too_long_replies_store_nothing(services: Services, text: str) -> None:
    author_id = add_journalist(services, "dellsberg")
    source_id, _ = add_source(services)
    with pytest.raises(ReplyRejected), db.unit_of_work(services.sessions) as session:
        source, author = session.get(Source, source_id), session.get(Journalist, author_id)
        assert source is not None and author is not None
        services.replies(session).send(source, author, text)
    assert _count(services) == 0
    assert list(services.store.root.rglob("*-reply.gpg")) == []


def test_client_encrypted_replies_are_checked_before_anything_is_written(services: Services) -> None:
    author_id = add_journalist(services, "dellsberg")
    source_id, _ = add_source(services)
    with services.sessions() as session:
        source = session.get(Source, source_id)
        assert source is not None
        armored = encrypt_armored("hello", [source.public_key], services.settings.tmp_dir)
    chosen = str(uuid.uuid4())
    with db.unit_of_work(services.sessions) as session:
        source, author = session.get(Source, source_id), session.get(Journalist, author_id)
        assert source is not None and author is not None
        replies = services.replies(session)
        with pytest.raises(replies_domain.NotEncrypted):
            replies.store_encrypted(source, author, "plain words")
        with pytest.raises(replies_domain.InvalidReplyUUID):
            replies.store_encrypted(source, author, armored, chosen.upper())
        stored = replies.store_encrypted(source, author, armored, chosen)
        assert stored.uuid == chosen
        assert services.store.path(source.filesystem_id, stored.filename).read_text() == armored
        with pytest.raises(replies_domain.ReplyUUIDInUse):
            replies.store_encrypted(source, author, armored, chosen)
    assert _count(services) == 1


def test_a_source_hides_its_replies_but_the_files_stay(services: Services) -> None:
    author_id = add_journalist(services, "dellsberg")
    source_id, key_passphrase = add_source(services)
    other_id, _ = add_source(services)
    with db.unit_of_work(services.sessions) as session:
        source, author = session.get(Source, source_id), session.get(Journalist, author_id)
        assert source is not None and author is not None
        first = services.replies(session).send(source, author, "one").filename
        services.replies(session).send(source, author, "two")
    with db.unit_of_work(services.sessions) as session:
        source, other = session.get(Source, source_id), session.get(Source, other_id)
        assert source is not None and other is not None
        with pytest.raises(NotFound):
            replies_domain.delete_reply_for_source(session, other, first)
        replies_domain.delete_reply_for_source(session, source, first)
        assert [r.text for r in services.replies(session).for_source(source, key_passphrase)] == ["two"]
        assert replies_domain.delete_all_replies_for_source(session, source) == 1
        assert services.replies(session).for_source(source, key_passphrase) == []
        with pytest.raises(NotFound):
            replies_domain.source_reply(session, other, source.replies[0].uuid)
    assert len(list(services.store.root.rglob("*-reply.gpg"))) == 2
