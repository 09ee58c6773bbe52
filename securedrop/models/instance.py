"""Versioned instance settings: each change closes the current row and adds a new one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from securedrop.models.base import Base, UTCDateTime

DEFAULT_ORGANIZATION_NAME = "SecureDrop"


class InstanceConfig(Base):
    __tablename__ = "instance_config"

    version: Mapped[int] = mapped_column(primary_key=True)
    #: None on the current row; set when a newer version replaces it.
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None, index=True)
    allow_document_uploads: Mapped[bool] = mapped_column(Boolean, default=True)
    organization_name: Mapped[str] = mapped_column(String(64), default=DEFAULT_ORGANIZATION_NAME)
    initial_message_min_len: Mapped[int] = mapped_column(Integer, default=0)
    reject_message_with_codename: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Comma-separated locale codes an admin chose to offer; None offers every configured one.
    offered_locales: Mapped[str | None] = mapped_column(Text, default=None)
    #: Sources idle longer than this many days are deleted by the worker; None keeps them.
    retention_days: Mapped[int | None] = mapped_column(Integer, default=None)
