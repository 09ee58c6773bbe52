"""Server-side web sessions: the cookie carries only a random id and a key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from securedrop.models.base import Base, UTCDateTime


class WebSession(Base):
    """One logged-in (or account-creating) browser session of either app, sealed under
    the cookie's key: which source it belongs to and its exact expiry are in the seal."""

    __tablename__ = "web_sessions"

    #: SHA-256 of the random id in the cookie; the id itself is not stored.
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    app: Mapped[str] = mapped_column(String(16))
    #: A coarse hour after the sealed expiry: when the worker may delete the record.
    purge_after: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: In the clear so that a password change or deletion ends that journalist's sessions
    #: (journalists are known to the newsroom; sources are not, so theirs is sealed).
    journalist_id: Mapped[int | None] = mapped_column(
        ForeignKey("journalists.id", ondelete="CASCADE"), index=True, default=None
    )
    #: AES-GCM(nonce || ciphertext) of the session (data, identity, expiry) under the cookie's key.
    sealed: Mapped[bytes]
