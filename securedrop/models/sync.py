"""What the Journalist API v2 sync needs stored: the change counter and idempotent events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from securedrop.models.base import Base, UTCDateTime, utcnow


class SyncState(Base):
    """One row: a counter bumped by every flush that changes what the v2 index serves.

    Each source carries the counter's value at its last change (`Source.sync_generation`),
    so an index cache knows which sources to re-read (see domain.versions).
    """

    __tablename__ = "sync_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger, default=0)


class AppliedEvent(Base):
    """A v2 event id seen in the last 24 h: repeats are answered 208 and not applied twice.

    The row is written in the same transaction as the event's effect, so a failed event
    leaves no row and may be retried.
    """

    __tablename__ = "applied_events"

    #: The snowflake id in canonical decimal (no leading zeros): the idempotency key.
    event_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    journalist_id: Mapped[int] = mapped_column(ForeignKey("journalists.id", ondelete="CASCADE"), index=True)
    status: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
