"""Instance settings: read the current version, record a new one."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from securedrop.models import InstanceConfig
from securedrop.models.base import utcnow


def current_config(session: Session) -> InstanceConfig:
    """The row in force; created with defaults the first time."""
    row = session.scalars(
        select(InstanceConfig).where(InstanceConfig.valid_until.is_(None)).order_by(InstanceConfig.version.desc())
    ).first()
    if row is None:
        row = InstanceConfig()
        session.add(row)
        session.flush()
    return row


def update_config(session: Session, **changes: object) -> InstanceConfig:
    """Close the current version and add a new one with `changes` applied."""
    current = current_config(session)
    fields = {
        "allow_document_uploads": current.allow_document_uploads,
        "organization_name": current.organization_name,
        "initial_message_min_len": current.initial_message_min_len,
        "reject_message_with_codename": current.reject_message_with_codename,
        "offered_locales": current.offered_locales,
    }
    unknown = set(changes) - set(fields)
    if unknown:
        raise TypeError(f"unknown settings: {sorted(unknown)}")
    fields.update(changes)
    current.valid_until = utcnow()
    row = InstanceConfig(**fields)
    session.add(row)
    session.flush()
    return row
