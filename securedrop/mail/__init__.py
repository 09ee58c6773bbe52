"""Outgoing mail: building (padded, OpenPGP/MIME-encrypted) messages and sending them over SMTP."""


class MailError(Exception):
    """Base of every failure to reach, authenticate with or send through the relay."""


class InsecureRelay(MailError):
    """Raised when plaintext SMTP is asked for with a host other than loopback."""


class RelayUnreachable(MailError):
    """Raised when the relay cannot be connected to, or does not answer in time."""


class TLSFailed(MailError):
    """Raised when TLS (implicit or STARTTLS) cannot be set up or the certificate is wrong."""


class RelayAuthFailed(MailError):
    """Raised when the relay refuses the username and password."""


class RecipientRefused(MailError):
    """Raised when the relay refuses the recipient address."""


class RelayRefused(MailError):
    """Raised when the relay refuses the message for another reason."""
