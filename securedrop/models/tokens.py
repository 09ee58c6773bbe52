"""Journalist API tokens: only a SHA-256 of each token is stored, never the token."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from securedrop.models.base import Base, UTCDateTime, utcnow


class ApiToken(Base):
    """One desktop-client login; dies on logout, expiry, password or 2FA change, deletion."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: hex SHA-256 of the token: a database leak does not hand out working tokens.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    journalist_id: Mapped[int] = mapped_column(ForeignKey("journalists.id", ondelete="CASCADE"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    renewals: Mapped[int] = mapped_column(Integer, default=0)
