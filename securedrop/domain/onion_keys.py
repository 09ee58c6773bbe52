"""Journalist devices' client-authorization keys: issue, list, revoke, and the authorized set."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from securedrop import onion
from securedrop.domain import DomainError, NotFound
from securedrop.domain.authentication import DELETED_USERNAME
from securedrop.domain.journalists import ProtectedAccount
from securedrop.models import Journalist
from securedrop.models.onion_keys import OnionClientKey

MAX_DEVICE_NAME = 100
#: Where `securedrop serve` records the journalist onion's address, so a key can be
#: handed out as a ready `.auth_private` file even by the CLI.
ADDRESS_FILE = "journalist.address"


class InvalidDeviceName(DomainError):
    """Raised when a device name is empty or longer than MAX_DEVICE_NAME."""


@dataclass(frozen=True)
class IssuedKey:
    """A newly issued key: the row, and the private half that is shown once only."""

    row: OnionClientKey
    private_b32: str = field(repr=False)

    def auth_private_file(self, journalist_onion: str) -> str:
        return onion.auth_private_file_text(
            journalist_onion, onion.ClientKey(self.row.public_key, self.private_b32)
        )


def issue_key(session: Session, journalist: Journalist, device_name: str) -> IssuedKey:
    """A new x25519 key for one of `journalist`'s devices. Only the public half is stored.

    Raises:
        ProtectedAccount: the `deleted` placeholder, which nobody uses.
        InvalidDeviceName: the name is empty or too long.
    """
    if journalist.username == DELETED_USERNAME:
        raise ProtectedAccount()
    name = " ".join(device_name.split())
    if not name or len(name) > MAX_DEVICE_NAME:
        raise InvalidDeviceName(name)
    pair = onion.generate_client_keypair()
    row = OnionClientKey(journalist=journalist, device_name=name, public_key=pair.public_b32)
    session.add(row)
    session.flush()
    return IssuedKey(row=row, private_b32=pair.private_b32)


def list_keys(session: Session) -> list[OnionClientKey]:
    return list(
        session.scalars(
            select(OnionClientKey)
            .options(joinedload(OnionClientKey.journalist))
            .order_by(OnionClientKey.created_at, OnionClientKey.id)
        )
    )


def revoke_key(session: Session, key_uuid: str) -> OnionClientKey:
    """Delete one key; `securedrop serve` republishes the onion without it.

    Raises:
        NotFound: no key has that uuid.
    """
    row = session.scalar(
        # The owner is loaded now: the caller names them once the row is deleted.
        select(OnionClientKey).options(joinedload(OnionClientKey.journalist)).where(OnionClientKey.uuid == key_uuid)
    )
    if row is None:
        raise NotFound(key_uuid)
    session.delete(row)
    session.flush()
    return row


def authorized_public_keys(session: Session) -> list[str]:
    """Every issued public key, in a stable order (what the journalist onion authorizes)."""
    return list(session.scalars(select(OnionClientKey.public_key).order_by(OnionClientKey.public_key)))


def recorded_journalist_onion(onion_dir: Path) -> str | None:
    """The journalist onion's address as `securedrop serve` last published it."""
    try:
        return (onion_dir / ADDRESS_FILE).read_text().strip() or None
    except OSError:
        return None
