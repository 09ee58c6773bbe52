"""Journalist and admin accounts, and the login throttle's record of recent attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text
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


class LoginThrottleRecord(Base):
    """Recent login attempts counted against one subject: a username, a browser or a device.

    The subject is a keyed hash, so the table never holds what someone typed into the
    username field (a passphrase pasted there by mistake) nor a browser's secret.
    """

    __tablename__ = "login_throttles"

    subject: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: JSON list of the latest attempts' POSIX times inside the window (a few at most).
    recent: Mapped[str] = mapped_column(Text, default="[]")
    #: The last attempt: the worker deletes records idle for longer than the window.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
