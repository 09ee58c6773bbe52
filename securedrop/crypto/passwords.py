"""Journalist passphrases: server-generated diceware, hashed with argon2id."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from securedrop.crypto.wordlists import diceware_phrase

PASSPHRASE_WORDS = 7
MIN_PASSPHRASE_CHARS = 14
MAX_PASSPHRASE_CHARS = 128

#: argon2id, m = 64 MiB, t = 4, p = 2 (REFERENCE §6).
HASHER = PasswordHasher(time_cost=4, memory_cost=2**16, parallelism=2, hash_len=32, salt_len=16)


def generate_passphrase() -> str:
    """Seven English diceware words: users never choose their own."""
    return diceware_phrase(PASSPHRASE_WORDS, "en")


def passphrase_acceptable(passphrase: str) -> bool:
    """Bounds checked before any hashing, so an over-long input costs nothing."""
    return (
        MIN_PASSPHRASE_CHARS <= len(passphrase) <= MAX_PASSPHRASE_CHARS
        and len(passphrase.split()) >= PASSPHRASE_WORDS
    )


def hash_passphrase(passphrase: str, hasher: PasswordHasher = HASHER) -> str:
    return hasher.hash(passphrase)


def verify_passphrase(stored_hash: str, passphrase: str, hasher: PasswordHasher = HASHER) -> bool:
    if len(passphrase) > MAX_PASSPHRASE_CHARS:
        return False
    try:
        return hasher.verify(stored_hash, passphrase)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str, hasher: PasswordHasher = HASHER) -> bool:
    return hasher.check_needs_rehash(stored_hash)
