"""Which of the configured languages the instance offers, as an admin chose them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from securedrop.domain import DomainError
from securedrop.domain.instance import update_config
from securedrop.models import InstanceConfig


class UnknownLanguage(DomainError):
    """Raised when an admin picks a language the server does not have a catalog for."""


def offered_locales(config: InstanceConfig, available: Iterable[str], always: str) -> list[str]:
    """The locales to offer, in `available`'s order: the admin's choice, or all of them.

    `always` (the fallback language) is offered whatever the choice, so every page
    has a language it can be shown in.
    """
    available = list(available)
    if config.offered_locales is None:
        return available
    chosen = set(config.offered_locales.split(","))
    return [code for code in available if code in chosen or code == always]


def set_offered_locales(session: Session, chosen: Iterable[str], available: Iterable[str],
                        always: str) -> InstanceConfig:
    """Record the admin's choice (a new settings version); `always` is added if missing.

    Raises:
        UnknownLanguage: a chosen code is not among `available`; nothing is changed.
    """
    available = list(available)
    chosen = set(chosen)
    unknown = chosen - set(available)
    if unknown:
        raise UnknownLanguage(", ".join(sorted(unknown)))
    chosen.add(always)
    everything = set(available) <= chosen
    return update_config(session, offered_locales=None if everything else ",".join(
        code for code in available if code in chosen))
