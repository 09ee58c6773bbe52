"""Building one notification: a padded text body, encrypted as OpenPGP/MIME when a key is given."""

from __future__ import annotations

import secrets
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate

from securedrop.crypto.openpgp import OpenPGP

#: Every digest body is padded to this many UTF-8 bytes before encryption, so neither
#: its size nor its ciphertext's says which sentence it holds or in which language.
DIGEST_BODY_BYTES = 1024


class BodyTooLong(ValueError):
    """Raised when a text does not fit the fixed length it must be padded to."""


def pad(text: str, size: int) -> bytes:
    """`text` in UTF-8 followed by newlines and spaces up to exactly `size` bytes.

    Raises: BodyTooLong.
    """
    data = text.rstrip().encode("utf-8") + b"\n"
    if len(data) > size:
        raise BodyTooLong(f"{len(data)} bytes do not fit in {size}")
    filler = size - len(data)
    # Whole lines of spaces: mail clients show them as blank space, never as content.
    lines = []
    while filler > 0:
        line = min(filler, 76)
        lines.append(b" " * (line - 1) + b"\n" if line > 1 else b"\n")
        filler -= line
    return data + b"".join(lines)


def _part() -> EmailMessage:
    """A body part (an EmailMessage only for typing; the top-level header goes)."""
    part = EmailMessage(policy=SMTP)
    return part


def _text_part(body: bytes) -> EmailMessage:
    part = _part()
    # base64 whatever the text: its encoded length then depends on the byte count only,
    # where quoted-printable's would depend on the characters.
    part.set_content(body, maintype="text", subtype="plain", cte="base64")
    part.set_param("charset", "utf-8")
    del part["MIME-Version"]
    return part


def _headers(message: EmailMessage, sender: str, recipient: str, subject: str) -> None:
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    # Fixed-length id (make_msgid's varies with the clock): equal messages, equal sizes.
    message["Message-ID"] = f"<{secrets.token_hex(16)}@{sender.rpartition('@')[2] or 'localhost'}>"


def build(
    sender: str, recipient: str, subject: str, body: bytes, encrypt: tuple[OpenPGP, str] | None = None
) -> EmailMessage:
    """A complete message; with `encrypt` = (pgp, armored public key), RFC 3156 OpenPGP/MIME.

    Raises: securedrop.crypto.openpgp.OpenPGPError: gpg could not encrypt.
    """
    message = EmailMessage(policy=SMTP)
    _headers(message, sender, recipient, subject)
    inner = _text_part(body)
    if encrypt is None:
        message.set_content(body, maintype="text", subtype="plain", cte="base64")
        message.set_param("charset", "utf-8")
        return message
    pgp, public_key = encrypt
    armored = pgp.encrypt_to_public_key(inner.as_bytes(), public_key)
    message.set_type("multipart/encrypted")
    message.set_param("protocol", "application/pgp-encrypted")
    message.set_boundary(secrets.token_hex(16))  # fixed length, like the Message-ID
    control = _part()
    control.set_content(b"Version: 1\n", maintype="application", subtype="pgp-encrypted", cte="7bit")
    payload = _part()
    payload.set_content(
        armored.encode("ascii"), maintype="application", subtype="octet-stream", cte="7bit", filename="encrypted.asc"
    )
    payload.replace_header("Content-Disposition", 'inline; filename="encrypted.asc"')
    for part in (control, payload):
        del part["MIME-Version"]
    message.attach(control)
    message.attach(payload)
    return message


def parse_address(text: str) -> str | None:
    """`text` as a bare addr-spec (local@domain.tld), or None when it is not one.

    Display names, several addresses, line breaks and hosts without a dot are refused:
    the value goes into a header and an SMTP RCPT command as is.
    """
    candidate = text.strip()
    if not candidate or len(candidate) > 254 or any(c in candidate for c in "\r\n\t <>,;\"()[]\\"):
        return None
    local, at, domain = candidate.rpartition("@")
    if not at or not local or "@" in local or "." not in domain.strip("."):
        return None
    if any(not label or label.startswith("-") or label.endswith("-") for label in domain.split(".")):
        return None
    return candidate
