"""Mail notifications: the outgoing relay, who gets mail, the outbox, alert and login records."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from securedrop.models.base import Base, UTCDateTime, utcnow
from securedrop.models.journalists import Journalist


class MailRelay(Base):
    """The one outgoing SMTP relay (row id 1) and the daily digest's schedule."""

    __tablename__ = "mail_relay"

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer)
    #: "tls" (implicit TLS), "starttls", or "none" (allowed for loopback hosts only).
    security: Mapped[str] = mapped_column(String(10))
    sender: Mapped[str] = mapped_column(String(254))
    username: Mapped[str | None] = mapped_column(String(255), default=None)
    #: AES-GCM under a key derived from the journalist app's secret key: a copy of the
    #: database alone does not give away the relay account.
    sealed_password: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    #: UTC hour (0-23) at which the daily digest goes out.
    digest_hour: Mapped[int] = mapped_column(Integer, default=9)
    #: The UTC day of the last digest round, so each day gets exactly one.
    last_digest_on: Mapped[date | None] = mapped_column(Date, default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NotificationRecipient(Base):
    """A journalist's notification address, optional OpenPGP key and preference."""

    __tablename__ = "notification_recipients"

    journalist_id: Mapped[int] = mapped_column(
        ForeignKey("journalists.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str] = mapped_column(String(254))
    #: Armored public key; when set every message to this address is encrypted to it.
    pgp_public_key: Mapped[str | None] = mapped_column(Text, default=None)
    pgp_fingerprint: Mapped[str | None] = mapped_column(String(40), default=None)
    #: True: the daily digest (the default once an address is set); False: none.
    daily_digest: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The language the journalist used when saving: digests are written in it.
    locale: Mapped[str] = mapped_column(String(16), default="en_US")

    journalist: Mapped[Journalist] = relationship()


class OutgoingMail(Base):
    """One message the worker sends, retries with backoff, and reports when it gives up."""

    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    #: "digest", "alert" or "test".
    kind: Mapped[str] = mapped_column(String(16))
    #: The complete RFC 5322 message; emptied once sent or given up.
    message: Mapped[bytes] = mapped_column(LargeBinary)
    #: "pending", "sent" or "failed".
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(255), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class AlertState(Base):
    """Per alert condition: whether it holds and when admins were last told (once an hour)."""

    __tablename__ = "alert_states"

    condition: Mapped[str] = mapped_column(String(32), primary_key=True)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FailedLogin(Base):
    """When a journalist login failed (no username: only the hourly count matters)."""

    __tablename__ = "failed_logins"

    id: Mapped[int] = mapped_column(primary_key=True)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
