"""Journalist and admin accounts, and the record of their login attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from securedrop.models.base import Base, UTCDateTime, new_uuid, utcnow


class Journalist(Base):
    """A person who reads submissions; `is_admin` also manages accounts and settings."""

    __tablename__ = "journalists"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    username: Mapped[str] = mapped_column(String(255), unique=True)
    first_name: Mapped[str | None] = mapped_column(String(100), default=None)
    last_name: Mapped[str | None] = mapped_column(String(100), default=None)
    #: argon2id hash of the server-generated passphrase.
    passphrase_hash: Mapped[str] = mapped_column(String(256))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    #: base32 TOTP or HOTP secret.
    otp_secret: Mapped[str] = mapped_column(String(64))
    is_totp: Mapped[bool] = mapped_column(Boolean, default=True)
    hotp_counter: Mapped[int] = mapped_column(Integer, default=0)
    #: Last consumed TOTP time step: only later steps are accepted (replay record).
    last_totp_step: Mapped[int] = mapped_column(Integer, default=0)
    created_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class JournalistLoginAttempt(Base):
    """One login attempt (successful or not) for an existing account: the throttle's record."""

    __tablename__ = "journalist_login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    journalist_id: Mapped[int] = mapped_column(ForeignKey("journalists.id", ondelete="CASCADE"))
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_journalist_login_attempts_journalist_time", "journalist_id", "timestamp"),)
