"""Client-authorization keys of the journalist onion service, one per journalist device."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from securedrop.models.base import Base, UTCDateTime, new_uuid, utcnow
from securedrop.models.journalists import Journalist


class OnionClientKey(Base):
    """The public x25519 half of a device's key; the private half is shown once, never kept."""

    __tablename__ = "onion_client_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    #: Deleting a journalist deletes their keys, and so revokes their devices.
    journalist_id: Mapped[int] = mapped_column(ForeignKey("journalists.id", ondelete="CASCADE"), index=True)
    device_name: Mapped[str] = mapped_column(String(100))
    public_key: Mapped[str] = mapped_column(String(52), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    journalist: Mapped[Journalist] = relationship()
