"""Server-side web sessions: the cookie carries only a random id and a key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from securedrop.models.base import Base, UTCDateTime


class WebSession(Base):
    """One browser session of either app, its content sealed under the cookie's key."""

    __tablename__ = "web_sessions"

    #: SHA-256 of the random id in the cookie; the id itself is not stored.
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    app: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: Set once a source logs in, so deleting a source ends its sessions.
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"), index=True, default=None
    )
    journalist_id: Mapped[int | None] = mapped_column(
        ForeignKey("journalists.id", ondelete="CASCADE"), index=True, default=None
    )
    #: AES-GCM(nonce || ciphertext) of the session dict under the cookie's key.
    sealed: Mapped[bytes]
