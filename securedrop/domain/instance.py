"""The instance's settings: read, updated by admins (name, logo, submission preferences)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from securedrop.domain import DomainError
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
        "retention_days": current.retention_days,
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


MAX_ORGANIZATION_NAME_CHARS = 64


LOGO_FILENAME = "custom_logo.png"


MAX_LOGO_BYTES = 512 * 1024


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


#: A first message longer than this minimum could never be sent (MAX_MESSAGE_CHARS).
MAX_MIN_MESSAGE_CHARS = 10_000


class SettingRejected(DomainError):
    """Base of the reasons an instance setting is refused; nothing is changed."""


class InvalidOrganizationName(SettingRejected):
    """Raised when the organisation name is empty or longer than 64 characters."""


class LogoNotPNG(SettingRejected):
    """Raised when an uploaded logo does not start with the PNG signature."""


class LogoTooLarge(SettingRejected):
    """Raised when an uploaded logo exceeds MAX_LOGO_BYTES."""


class InvalidMinimumLength(SettingRejected):
    """Raised when the minimum first-message length is not a whole number in range."""


def set_organization_name(session: Session, name: str) -> InstanceConfig:
    """Raises: InvalidOrganizationName."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_ORGANIZATION_NAME_CHARS:
        raise InvalidOrganizationName()
    return update_config(session, organization_name=name)


def set_submission_preferences(
    session: Session, allow_documents: bool, min_message_length: str | int, reject_codename: bool
) -> InstanceConfig:
    """Raises: InvalidMinimumLength."""
    try:
        minimum = int(str(min_message_length).strip() or "0")
    except ValueError as exc:
        raise InvalidMinimumLength() from exc
    if not 0 <= minimum <= MAX_MIN_MESSAGE_CHARS:
        raise InvalidMinimumLength()
    return update_config(
        session,
        allow_document_uploads=allow_documents,
        initial_message_min_len=minimum,
        reject_message_with_codename=reject_codename,
    )


def logo_path(data_dir: Path) -> Path:
    return data_dir / LOGO_FILENAME


def save_logo(data_dir: Path, data: bytes) -> Path:
    """Replace the custom logo atomically, after checking the PNG signature and size.

    Raises:
        LogoTooLarge, LogoNotPNG: the previous logo stays.
    """
    if len(data) > MAX_LOGO_BYTES:
        raise LogoTooLarge()
    if not data.startswith(PNG_SIGNATURE) or b"IHDR" not in data[8:16]:
        raise LogoNotPNG()
    target = logo_path(data_dir)
    temp = data_dir / f".{secrets.token_hex(8)}.png.part"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    return target
