"""Talking to the outgoing relay through smtplib: implicit TLS or STARTTLS, plaintext only on loopback."""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Literal

from securedrop.mail import (
    InsecureRelay,
    MailError,
    RecipientRefused,
    RelayAuthFailed,
    RelayRefused,
    RelayUnreachable,
    TLSFailed,
)

Security = Literal["tls", "starttls", "none"]
SECURITY_CHOICES: tuple[Security, ...] = ("tls", "starttls", "none")
#: How long one connection may take in the worker; a request checking the relay uses less.
SEND_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Relay:
    """Where and how to hand mail over; `password` is the unsealed secret, in memory only."""

    host: str
    port: int
    security: Security
    sender: str
    username: str | None = None
    password: str | None = None
    #: PEM file of the CA to trust instead of the system's (a relay with a private CA).
    ca_file: str | None = None


def is_loopback(host: str) -> bool:
    """Only these hosts may get plaintext SMTP: nothing leaves the machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_security(host: str, security: str) -> None:
    """Raises: InsecureRelay: plaintext to a host that is not loopback (or an unknown mode)."""
    if security not in SECURITY_CHOICES:
        raise InsecureRelay(f"unknown security mode {security!r}")
    if security == "none" and not is_loopback(host):
        raise InsecureRelay(f"plaintext SMTP to {host} would expose the mail and the password on the network")


def _tls_context(relay: Relay) -> ssl.SSLContext:
    # Certificates and host names are verified: an on-path attacker must not read the
    # relay password or learn who is notified.
    return ssl.create_default_context(cafile=relay.ca_file)


def _connect(relay: Relay, timeout: float) -> smtplib.SMTP:
    check_security(relay.host, relay.security)
    try:
        if relay.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                relay.host, relay.port, timeout=timeout, context=_tls_context(relay)
            )
        else:
            client = smtplib.SMTP(relay.host, relay.port, timeout=timeout)
    except ssl.SSLError as exc:
        raise TLSFailed(f"TLS with {relay.host}:{relay.port} failed: {exc}") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise RelayUnreachable(f"cannot reach {relay.host}:{relay.port}: {exc}") from exc
    try:
        client.ehlo()
        if relay.security == "starttls":
            client.starttls(context=_tls_context(relay))
            client.ehlo()
        if relay.username:
            client.login(relay.username, relay.password or "")
    except smtplib.SMTPAuthenticationError as exc:
        _close(client)
        raise RelayAuthFailed(f"{relay.host} refused the username or password ({exc.smtp_code})") from exc
    except smtplib.SMTPNotSupportedError as exc:
        _close(client)
        raise TLSFailed(f"{relay.host} does not offer {relay.security.upper()} or AUTH: {exc}") from exc
    except ssl.SSLError as exc:
        _close(client)
        raise TLSFailed(f"TLS with {relay.host}:{relay.port} failed: {exc}") from exc
    except (OSError, smtplib.SMTPException) as exc:
        _close(client)
        raise RelayUnreachable(f"{relay.host}:{relay.port} stopped answering: {exc}") from exc
    return client


def _close(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()


def verify(relay: Relay, timeout: float = SEND_TIMEOUT_SECONDS) -> None:
    """Connect, secure the connection and log in, sending nothing.

    Raises: MailError (a subclass saying what went wrong).
    """
    _close(_connect(relay, timeout))


def send(relay: Relay, message: EmailMessage | bytes, recipient: str, timeout: float = SEND_TIMEOUT_SECONDS) -> None:
    """Hand one message for `recipient` to the relay.

    Raises: MailError (a subclass saying what went wrong).
    """
    data = message.as_bytes() if isinstance(message, EmailMessage) else message
    client = _connect(relay, timeout)
    try:
        client.sendmail(relay.sender, [recipient], data)
    except smtplib.SMTPRecipientsRefused as exc:
        raise RecipientRefused(f"the relay refused {recipient}") from exc
    except smtplib.SMTPSenderRefused as exc:
        raise RelayRefused(f"the relay refused the sender {relay.sender} ({exc.smtp_code})") from exc
    except smtplib.SMTPResponseException as exc:
        raise RelayRefused(f"the relay refused the message ({exc.smtp_code})") from exc
    except (OSError, smtplib.SMTPException) as exc:  # TimeoutError is an OSError
        raise RelayUnreachable(f"{relay.host}:{relay.port} stopped answering: {exc}") from exc
    finally:
        _close(client)


__all__ = ["MailError", "Relay", "SECURITY_CHOICES", "check_security", "is_loopback", "send", "verify"]
