"""TOTP/HOTP matching: the window, the replay record, legacy secrets and HOTP secrets from hex."""

from __future__ import annotations

import base64

import pyotp
import pytest

from securedrop.crypto import otp

NOW = 1_800_000_000.0


def test_new_secrets_are_160_bits() -> None:
    secret = otp.new_totp_secret()
    assert len(secret) == 32 and len(base64.b32decode(secret)) == 20


@pytest.mark.parametrize("offset", [-30, 0, 30])
def test_match_totp_within_one_step(offset: int) -> None:
    secret = otp.new_totp_secret()
    code = pyotp.TOTP(secret).at(NOW + offset)
    assert otp.match_totp(secret, code, NOW, after_step=0) == otp.totp_step(NOW + offset)


@pytest.mark.parametrize("offset", [-61, 61])
def test_match_totp_refuses_outside_window(offset: int) -> None:
    secret = otp.new_totp_secret()
    assert otp.match_totp(secret, pyotp.TOTP(secret).at(NOW + offset), NOW, after_step=0) is None


def test_match_totp_refuses_consumed_or_older_steps() -> None:
    secret = otp.new_totp_secret()
    step = otp.totp_step(NOW)
    assert otp.match_totp(secret, pyotp.TOTP(secret).at(NOW), NOW, after_step=step) is None
    assert otp.match_totp(secret, pyotp.TOTP(secret).at(NOW - 30), NOW, after_step=step - 1) is None
    assert otp.match_totp(secret, pyotp.TOTP(secret).at(NOW + 30), NOW, after_step=step) == step + 1


@pytest.mark.parametrize("code", ["", "12345", "1234567", "12a456", "-12345"])
def test_malformed_codes(code: str) -> None:
    assert otp.normalize_code(code) is None
    assert otp.match_totp(otp.new_totp_secret(), code, NOW, 0) is None


def test_whitespace_in_codes_is_ignored() -> None:
    secret = otp.new_totp_secret()
    code = pyotp.TOTP(secret).at(NOW)
    assert otp.match_totp(secret, f" {code[:3]} {code[3:]} ", NOW, 0) == otp.totp_step(NOW)


def test_legacy_80_bit_secret() -> None:
    legacy = "JHCOGO7VCER3EJ4L"
    code = otp.totp(legacy).at(NOW)
    assert otp.match_totp(legacy, code, NOW, 0) == otp.totp_step(NOW)


def test_hotp_look_ahead_of_twenty() -> None:
    secret = otp.hotp_secret_from_hex("0123456789abcdef0123456789abcdef01234567")
    generator = pyotp.HOTP(secret)
    assert otp.match_hotp(secret, generator.at(5), counter=5) == 5
    assert otp.match_hotp(secret, generator.at(24), counter=5) == 24
    assert otp.match_hotp(secret, generator.at(25), counter=5) is None
    assert otp.match_hotp(secret, generator.at(4), counter=5) is None


@pytest.mark.parametrize("value", ["", "ab" * 19, "ab" * 21, "gg" * 20, "0x" + "ab" * 19])
def test_hotp_secret_must_be_40_hex(value: str) -> None:
    with pytest.raises(otp.InvalidHOTPSecret):
        otp.hotp_secret_from_hex(value)


def test_hotp_secret_with_spaces() -> None:
    assert otp.hotp_secret_from_hex("ab cd " * 10) == base64.b32encode(bytes.fromhex("abcd" * 10)).decode()


def test_grouped() -> None:
    assert otp.grouped("ABCDEFGHIJ") == "ABCD EFGH IJ"
