"""TOTP and HOTP secrets and verification, with a step-based replay record."""

from __future__ import annotations

import base64
import binascii
import hmac
import re
import secrets

import pyotp

TOTP_STEP_SECONDS = 30
TOTP_NEW_SECRET_BYTES = 20  # 160 bits
#: Legacy secrets of 80 bits (16 base32 characters) still verify.
MIN_SECRET_BITS = 80
HOTP_LOOK_AHEAD = 20
#: A code is accepted one step either side of now (90 s in all), for clock drift.
TOTP_WINDOW = 1
CODE_DIGITS = 6
_HOTP_HEX = re.compile(r"^[0-9a-fA-F]{40}$")
_CODE = re.compile(r"^[0-9]{6}$")


class InvalidHOTPSecret(ValueError):
    """Raised when an HOTP secret is not exactly 40 hexadecimal digits."""


def new_totp_secret() -> str:
    return base64.b32encode(secrets.token_bytes(TOTP_NEW_SECRET_BYTES)).decode("ascii")


class _TOTP(pyotp.TOTP):
    # pyotp refuses secrets under 112 bits unless told otherwise; existing 80-bit
    # secrets (SecureDrop's dev value among them) must keep working.
    min_secret_length_bits = MIN_SECRET_BITS


class _HOTP(pyotp.HOTP):
    min_secret_length_bits = MIN_SECRET_BITS


def totp(secret: str) -> pyotp.TOTP:
    return _TOTP(secret, interval=TOTP_STEP_SECONDS)


def hotp(secret: str) -> pyotp.HOTP:
    return _HOTP(secret)


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    return totp(secret).provisioning_uri(name=username, issuer_name=issuer)


def hotp_secret_from_hex(value: str) -> str:
    """A YubiKey's 40-hex secret (spaces allowed) as the base32 we store.

    Raises:
        InvalidHOTPSecret: not exactly 40 hexadecimal digits.
    """
    compact = "".join(value.split())
    if not _HOTP_HEX.fullmatch(compact):
        raise InvalidHOTPSecret("an HOTP secret is 40 hexadecimal digits")
    try:
        raw = binascii.unhexlify(compact)
    except binascii.Error as exc:  # unreachable after the regex, kept for safety
        raise InvalidHOTPSecret(str(exc)) from exc
    return base64.b32encode(raw).decode("ascii")


def normalize_code(code: str) -> str | None:
    """The six digits of a submitted code, whitespace removed; None if malformed."""
    compact = "".join(code.split())
    return compact if _CODE.fullmatch(compact) else None


def totp_step(timestamp: float) -> int:
    return int(timestamp) // TOTP_STEP_SECONDS


def match_totp(secret: str, code: str, timestamp: float, after_step: int) -> int | None:
    """The time step `code` belongs to, if it is within ±1 step of now and later than
    `after_step` (the last step consumed); None otherwise.

    pyotp's verify() does not say which step matched, so each candidate is compared
    here, all of them in constant time, so timing reveals neither the step nor the code.
    """
    normalized = normalize_code(code)
    if normalized is None:
        return None
    generator = totp(secret)
    now = totp_step(timestamp)
    matched: int | None = None
    for step in range(now - TOTP_WINDOW, now + TOTP_WINDOW + 1):
        candidate = generator.generate_otp(step)
        if hmac.compare_digest(candidate.encode(), normalized.encode()) and step > after_step:
            matched = step
    return matched


def match_hotp(secret: str, code: str, counter: int, look_ahead: int = HOTP_LOOK_AHEAD) -> int | None:
    """The counter value `code` was generated at, searching `look_ahead` values from
    `counter`; None if no value matches."""
    normalized = normalize_code(code)
    if normalized is None:
        return None
    generator = hotp(secret)
    matched: int | None = None
    for value in range(counter, counter + look_ahead):
        if hmac.compare_digest(generator.at(value).encode(), normalized.encode()) and matched is None:
            matched = value
    return matched


def grouped(secret: str) -> str:
    """A secret in groups of four characters, easier to type into an app."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
