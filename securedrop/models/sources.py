"""Sources, their submissions and the replies journalists send them, and seen-records."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ColumnElement, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from securedrop.models.base import Base, UTCDateTime, new_uuid, utcnow
from securedrop.models.journalists import Journalist
from securedrop.storage.names import MESSAGE_SUFFIX, is_document_name, is_message_name


class Source(Base):
    """A source account. Holds no codename: only slow derivations of it (see crypto)."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    #: base32(scrypt(codename, id pepper)): finds the source and names its store directory.
    filesystem_id: Mapped[str] = mapped_column(String(104), unique=True)
    journalist_designation: Mapped[str] = mapped_column(String(255))
    #: Time of the latest submission (never of a reply), as SecureDrop shows it.
    last_updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Time of the latest submission or reply: the retention period counts from it.
    last_activity: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: True until the first submission: pending sources are invisible to journalists.
    pending: Mapped[bool] = mapped_column(Boolean, default=True)
    is_starred: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Shared counter of messages, documents and replies; never decreases.
    interaction_count: Mapped[int] = mapped_column(Integer, default=0)
    public_key: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(40), unique=True)
    #: The armored secret key, sealed with AES-GCM under a key derived from the
    #: codename (see crypto.sealing); useless without the codename.
    sealed_secret_key: Mapped[bytes]
    #: SyncState.generation when this source, its items or their seen-records last changed.
    sync_generation: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0", index=True)

    # passive_deletes: every child's foreign key is ON DELETE CASCADE (SQLite runs with
    # foreign_keys=ON), so deleting a source or an item never loads its children first.
    submissions: Mapped[list[Submission]] = relationship(
        back_populates="source", order_by="Submission.id", cascade="all, delete-orphan", passive_deletes=True
    )
    replies: Mapped[list[Reply]] = relationship(
        back_populates="source", order_by="Reply.id", cascade="all, delete-orphan", passive_deletes=True
    )
    retention_extension: Mapped[RetentionExtension | None] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def journalist_filename(self) -> str:
        from securedrop.storage.names import journalist_filename

        return journalist_filename(self.journalist_designation)


class Submission(Base):
    """One encrypted message or document a source sent."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    #: "sha256:<hex>" of the stored ciphertext; served as the download Etag.
    checksum: Mapped[str] = mapped_column(String(71))

    source: Mapped[Source] = relationship(back_populates="submissions")
    seen_files: Mapped[list[SeenFile]] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    seen_messages: Mapped[list[SeenMessage]] = relationship(cascade="all, delete-orphan", passive_deletes=True)

    __table_args__ = (UniqueConstraint("source_id", "filename"),)

    @hybrid_property
    def is_message(self) -> bool:
        """A message, not a document; also usable in queries (`Submission.is_message`)."""
        return is_message_name(self.filename)

    @is_message.inplace.expression
    @classmethod
    def _is_message_expression(cls) -> ColumnElement[bool]:
        return cls.filename.like(f"%{MESSAGE_SUFFIX}")

    @property
    def is_file(self) -> bool:
        return is_document_name(self.filename)


class Reply(Base):
    """A journalist's reply, encrypted to the source's key and the submission key."""

    __tablename__ = "replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    journalist_id: Mapped[int] = mapped_column(ForeignKey("journalists.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    checksum: Mapped[str] = mapped_column(String(71))
    #: The source deleted it from its page; the file stays as a read receipt.
    deleted_by_source: Mapped[bool] = mapped_column(Boolean, default=False)

    source: Mapped[Source] = relationship(back_populates="replies")
    journalist: Mapped[Journalist] = relationship()
    seen_replies: Mapped[list[SeenReply]] = relationship(cascade="all, delete-orphan", passive_deletes=True)

    __table_args__ = (UniqueConstraint("source_id", "filename"),)


class RetentionExtension(Base):
    """A journalist kept a source for one more retention period (at most once per source)."""

    __tablename__ = "retention_extensions"

    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True)
    #: None once that journalist's account is deleted.
    journalist_id: Mapped[int | None] = mapped_column(ForeignKey("journalists.id", ondelete="SET NULL"))
    extended_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SeenFile(Base):
    __tablename__ = "seen_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    journalist_id: Mapped[int] = mapped_column(ForeignKey("journalists.id"), index=True)
    __table_args__ = (UniqueConstraint("file_id", "journalist_id"),)


class SeenMessage(Base):
    __tablename__ = "seen_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    journalist_id: Mapped[int] = mapped_column(ForeignKey("journalists.id"), index=True)
    __table_args__ = (UniqueConstraint("message_id", "journalist_id"),)


class SeenReply(Base):
    __tablename__ = "seen_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    reply_id: Mapped[int] = mapped_column(ForeignKey("replies.id", ondelete="CASCADE"))
    journalist_id: Mapped[int] = mapped_column(ForeignKey("journalists.id"), index=True)
    __table_args__ = (UniqueConstraint("reply_id", "journalist_id"),)
