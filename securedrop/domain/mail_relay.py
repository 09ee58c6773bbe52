"""The outgoing mail relay an admin sets: checked by connecting before it is saved; password sealed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from securedrop.crypto.sealing import SealError, derive_key, seal, unseal
from securedrop.domain import DomainError
from securedrop.mail import InsecureRelay, MailError
from securedrop.mail.message import parse_address
from securedrop.mail.transport import SECURITY_CHOICES, Relay, Security, check_security
from securedrop.models import MailRelay
from securedrop.models.base import utcnow

RELAY_ROW_ID = 1
#: Binds the sealing key to this one use of the journalist app's secret key.
PASSWORD_PURPOSE = b"securedrop/mail-relay-password/v1"
MAX_HOST_CHARS = 255


class RelaySettingRejected(DomainError):
    """Base of the reasons relay settings are refused; nothing is saved."""


class InvalidHost(RelaySettingRejected):
    """Raised when the host name is empty, too long or holds spaces."""


class InvalidPort(RelaySettingRejected):
    """Raised when the port is not a whole number from 1 to 65535."""


class InvalidSender(RelaySettingRejected):
    """Raised when the sender address is malformed."""


class InvalidDigestHour(RelaySettingRejected):
    """Raised when the digest hour is not a whole number from 0 to 23."""


class PlaintextNotLoopback(RelaySettingRejected):
    """Raised when plaintext SMTP is chosen for a host other than loopback."""


class RelayCheckFailed(RelaySettingRejected):
    """Raised when connecting and logging in to the relay failed; `reason` says how."""

    def __init__(self, reason: MailError) -> None:
        super().__init__(str(reason))
        self.reason = reason


class PasswordUnreadable(DomainError):
    """Raised when the sealed password cannot be opened (the app's secret key changed)."""


@dataclass(frozen=True)
class RelayInput:
    """What the admin typed; an empty password keeps the saved one (it is never shown)."""

    host: str
    port: str
    security: str
    sender: str
    username: str = ""
    password: str = ""
    digest_hour: str = "9"


def _key(app_secret: str) -> bytes:
    return derive_key(app_secret, PASSWORD_PURPOSE)


def current_relay(session: Session) -> MailRelay | None:
    return session.get(MailRelay, RELAY_ROW_ID)


def as_relay(row: MailRelay, app_secret: str, ca_file: str | None = None) -> Relay:
    """The relay to send through, its password unsealed in memory.

    Raises: PasswordUnreadable.
    """
    password = None
    if row.sealed_password is not None:
        try:
            password = unseal(_key(app_secret), row.sealed_password, PASSWORD_PURPOSE).decode("utf-8")
        except SealError as exc:
            raise PasswordUnreadable() from exc
    security: Security = row.security  # type: ignore[assignment]  # checked against SECURITY_CHOICES on save
    return Relay(row.host, row.port, security, row.sender, row.username, password, ca_file)


def _whole(text: str, low: int, high: int) -> int | None:
    try:
        value = int(text.strip())
    except ValueError:
        return None
    return value if low <= value <= high else None


def save_relay(
    session: Session, given: RelayInput, app_secret: str, check: Callable[[Relay], None]
) -> MailRelay:
    """Validate, try the relay with `check` (connect, TLS, login), then save.

    Raises:
        InvalidHost, InvalidPort, InvalidSender, InvalidDigestHour, PlaintextNotLoopback,
        RelayCheckFailed, PasswordUnreadable: nothing is saved.
    """
    host = given.host.strip()
    if not host or len(host) > MAX_HOST_CHARS or any(c.isspace() for c in host):
        raise InvalidHost()
    port = _whole(given.port, 1, 65535)
    if port is None:
        raise InvalidPort()
    sender = parse_address(given.sender)
    if sender is None:
        raise InvalidSender()
    hour = _whole(given.digest_hour, 0, 23)
    if hour is None:
        raise InvalidDigestHour()
    if given.security not in SECURITY_CHOICES:
        raise PlaintextNotLoopback()
    try:
        check_security(host, given.security)
    except InsecureRelay as exc:
        raise PlaintextNotLoopback() from exc
    row = current_relay(session)
    username = given.username.strip() or None
    password = given.password
    if not password and row is not None and username is not None and username == row.username:
        password = as_relay(row, app_secret).password or ""
    relay = Relay(host, port, given.security, sender, username, password if username else None)
    try:
        check(relay)
    except MailError as exc:
        raise RelayCheckFailed(exc) from exc
    if row is None:
        row = MailRelay(id=RELAY_ROW_ID)
        session.add(row)
    row.host, row.port, row.security, row.sender = host, port, given.security, sender
    row.username = username
    row.sealed_password = seal(_key(app_secret), password.encode("utf-8"), PASSWORD_PURPOSE) if username else None
    row.digest_hour = hour
    row.updated_at = utcnow()
    session.flush()
    return row
