"""TOTP and HOTP secrets and verification, with a step-based replay record."""

from __future__ import annotations

import base64
import secrets

import pyotp

TOTP_STEP_SECONDS = 30
TOTP_NEW_SECRET_BYTES = 20  # 160 bits
#: Legacy secrets of 80 bits (16 base32 characters) still verify.
MIN_SECRET_BITS = 80
HOTP_LOOK_AHEAD = 20


def new_totp_secret() -> str:
    return base64.b32encode(secrets.token_bytes(TOTP_NEW_SECRET_BYTES)).decode("ascii")


def totp(secret: str) -> pyotp.TOTP:
    # pyotp refuses secrets under 112 bits unless told otherwise; existing 80-bit
    # secrets (SecureDrop's dev value among them) must keep working.
    return pyotp.TOTP(secret, interval=TOTP_STEP_SECONDS, min_secret_length_bits=MIN_SECRET_BITS)


def hotp(secret: str) -> pyotp.HOTP:
    return pyotp.HOTP(secret, min_secret_length_bits=MIN_SECRET_BITS)


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    return totp(secret).provisioning_uri(name=username, issuer_name=issuer)
