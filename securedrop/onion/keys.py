"""Onion addresses, x25519 client-authorization keys and ED25519-V3 service keys (no tor needed)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import re
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from securedrop.onion.errors import CorruptKey, InsecurePermissions, InvalidAddress, InvalidClientKey

log = logging.getLogger(__name__)

SERVICE_KEY_TYPE = "ED25519-V3"
_SERVICE_KEY_PREFIX = SERVICE_KEY_TYPE + ":"
_ONION_CHECKSUM_PREFIX = b".onion checksum"
_ONION_VERSION = b"\x03"
_B32_KEY_LEN = 52  # base32 of 32 bytes, unpadded


# --------------------------------------------------------------------------
# base32 / onion addresses


def _b32encode(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=")


def _b32decode(text: str, length: int) -> bytes | None:
    """Strict unpadded base32 decoding; None unless canonical and `length` bytes."""
    if not re.fullmatch(r"[A-Za-z2-7]+", text):
        return None
    upper = text.upper()
    try:
        raw = base64.b32decode(upper + "=" * (-len(upper) % 8))
    except binascii.Error:
        return None
    # Re-encoding rejects non-canonical spellings (stray low bits in the last
    # character), so one key has exactly one textual form in our database.
    if len(raw) != length or _b32encode(raw) != upper:
        return None
    return raw


def _onion_checksum(public_key: bytes) -> bytes:
    digest = hashlib.sha3_256(_ONION_CHECKSUM_PREFIX + public_key + _ONION_VERSION)
    return digest.digest()[:2]


def onion_address_from_public_key(public_key: bytes) -> str:
    """The 56-character v3 address (without '.onion') of an ed25519 public key."""
    if len(public_key) != 32:
        raise InvalidAddress("an ed25519 public key is 32 bytes")
    raw = public_key + _onion_checksum(public_key) + _ONION_VERSION
    return _b32encode(raw).lower()


def normalize_onion_address(address: str) -> str:
    """Lower-case 56-character v3 address without '.onion'; InvalidAddress otherwise."""
    text = address.strip().lower()
    text = text.removesuffix(".onion")
    raw = _b32decode(text, 35) if len(text) == 56 else None
    if raw is None or raw[34:] != _ONION_VERSION or _onion_checksum(raw[:32]) != raw[32:34]:
        raise InvalidAddress(f"not a v3 onion address: {address!r}")
    return text


# --------------------------------------------------------------------------
# client authorization keys (x25519)


@dataclass(frozen=True)
class ClientKey:
    """An x25519 client-authorization key pair, both halves unpadded base32."""

    public_b32: str
    # Kept out of repr so a logged or printed ClientKey never leaks the secret.
    private_b32: str = field(repr=False)


def generate_client_keypair() -> ClientKey:
    """A fresh x25519 key pair for one journalist device."""
    return _client_key_from_private(X25519PrivateKey.generate())


def client_key_from_private(private_b32: str) -> ClientKey:
    """Rebuild a ClientKey (and so its public half) from its base32 private half."""
    raw = _b32decode(private_b32.strip(), 32)
    if raw is None:
        raise InvalidClientKey("a private client key is 52 characters of base32")
    return _client_key_from_private(X25519PrivateKey.from_private_bytes(raw))


def _client_key_from_private(private: X25519PrivateKey) -> ClientKey:
    raw_private = private.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    raw_public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return ClientKey(public_b32=_b32encode(raw_public), private_b32=_b32encode(raw_private))


def validate_public_key(public_b32: str) -> str:
    """The canonical (upper-case) form of a base32 x25519 public key, or InvalidClientKey."""
    text = public_b32.strip()
    if _b32decode(text, 32) is None:
        raise InvalidClientKey(f"a client public key is {_B32_KEY_LEN} characters of base32 (A-Z, 2-7)")
    return text.upper()


def auth_private_file_text(onion_address: str, key: ClientKey) -> str:
    """Contents of the `.auth_private` file Tor Browser and ClientOnionAuthDir read."""
    address = normalize_onion_address(onion_address)
    return f"{address}:descriptor:x25519:{key.private_b32}\n"


def private_key_base64(key: ClientKey) -> str:
    """The private half in the base64 form ONION_CLIENT_AUTH_ADD expects."""
    raw = _b32decode(key.private_b32, 32)
    if raw is None:
        raise InvalidClientKey("a private client key is 52 characters of base32")
    return base64.b64encode(raw).decode("ascii")


# --------------------------------------------------------------------------
# onion service keys (ed25519, tor's expanded form)


def generate_service_key() -> str:
    """A new ED25519-V3 key blob, in the form tor's ADD_ONION takes and returns."""
    return _SERVICE_KEY_PREFIX + base64.b64encode(_expand_seed(secrets.token_bytes(32))).decode()


def _expand_seed(seed: bytes) -> bytes:
    """Tor's 64-byte expanded ed25519 secret: SHA-512 of the seed, scalar clamped."""
    expanded = bytearray(hashlib.sha512(seed).digest())
    expanded[0] &= 248
    expanded[31] &= 127
    expanded[31] |= 64
    return bytes(expanded)


def check_service_key(blob: str) -> str:
    """The blob itself if it is a well-formed ED25519-V3 key; CorruptKey otherwise."""
    if not blob.startswith(_SERVICE_KEY_PREFIX):
        raise CorruptKey(f"an onion service key starts with {_SERVICE_KEY_PREFIX!r}")
    body = blob[len(_SERVICE_KEY_PREFIX) :]
    try:
        raw = base64.b64decode(body, validate=True)
    except binascii.Error:
        raw = b""
    # A clamped scalar has its low 3 bits clear, bit 255 clear and bit 254 set;
    # anything else is not a key tor generated, so the file was damaged.
    if len(raw) != 64 or raw[0] & 7 or raw[31] & 128 or not raw[31] & 64:
        raise CorruptKey("the onion service key is not a valid ED25519-V3 key")
    return blob


def load_or_create_service_key(path: str | os.PathLike[str]) -> str:
    """Read the ED25519-V3 key at `path`, creating it (0600 in a 0700 directory) if absent.

    An existing but unreadable or malformed file raises CorruptKey: silently
    replacing it would change the onion address sources have written down.
    """
    key_path = Path(path)
    _ensure_private_dir(key_path.parent)
    try:
        text = _read_key_file(key_path)
    except FileNotFoundError:
        return _create_key_file(key_path)
    try:
        return check_service_key(text)
    except CorruptKey as exc:
        raise CorruptKey(
            f"{key_path}: {exc}; restore it from a backup (deleting it gives the service a new onion address)"
        ) from None


def _ensure_private_dir(directory: Path) -> None:
    if not directory.exists():
        directory.mkdir(mode=0o700, parents=True)
        os.chmod(directory, 0o700)
        return
    mode = directory.stat().st_mode
    if mode & (stat.S_IWGRP | stat.S_IWOTH) and not mode & stat.S_ISVTX:
        raise InsecurePermissions(
            f"{directory} is writable by other users, who could replace the onion key; run: chmod 700 {directory}"
        )


def _read_key_file(key_path: Path) -> str:
    try:
        fd = os.open(key_path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise CorruptKey(f"cannot open onion key file {key_path}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        if os.fstat(handle.fileno()).st_mode & 0o077:
            # The key is the service's identity: keep it readable by us only.
            os.fchmod(handle.fileno(), 0o600)
            log.warning("tightened permissions of %s to 0600", key_path)
        data = handle.read(4096)
    try:
        return data.decode("ascii").strip()
    except UnicodeDecodeError:
        raise CorruptKey(f"{key_path} is not an onion service key file") from None


def _create_key_file(key_path: Path) -> str:
    blob = generate_service_key()
    tmp = key_path.with_name(f".{key_path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(blob.encode("ascii") + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            # link() never overwrites: if another process created the key
            # first, theirs wins and both use the same address.
            os.link(tmp, key_path)
        except FileExistsError:
            return check_service_key(_read_key_file(key_path))
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(key_path.parent)
    return blob


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
