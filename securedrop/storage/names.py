"""Store file names: `<n>-<journalist_filename>-msg.gpg`, `-doc.gz.gpg`, `-reply.gpg`."""

from __future__ import annotations

import re

#: What desktop clients accept (API_V1.md §9); anything else is never served.
STORED_NAME = re.compile(r"^(\d+)-([a-z0-9_-]*)-(msg|doc\.gz|doc\.zip|reply)\.gpg$")
#: A filesystem id is base32 of a 64-byte scrypt output.
FILESYSTEM_ID = re.compile(r"^[A-Z2-7=]{1,128}$")


def journalist_filename(designation: str) -> str:
    """`welcoming imperialist` → `welcoming_imperialist`; only `[a-z0-9_-]` kept."""
    lowered = designation.lower().replace(" ", "_")
    return "".join(c for c in lowered if c.isascii() and (c.isalnum() or c in "_-"))


MESSAGE_SUFFIX = "-msg.gpg"
DOCUMENT_SUFFIXES = ("-doc.gz.gpg", "-doc.zip.gpg")


def message_name(n: int, jfn: str) -> str:
    return f"{n}-{jfn}{MESSAGE_SUFFIX}"


def is_message_name(name: str) -> bool:
    return name.endswith(MESSAGE_SUFFIX)


def is_document_name(name: str) -> bool:
    return name.endswith(DOCUMENT_SUFFIXES)


def document_name(n: int, jfn: str) -> str:
    return f"{n}-{jfn}-doc.gz.gpg"


def reply_name(n: int, jfn: str) -> str:
    return f"{n}-{jfn}-reply.gpg"


def is_valid_stored_name(name: str) -> bool:
    return STORED_NAME.fullmatch(name) is not None


def interaction_number(name: str) -> int:
    match = STORED_NAME.fullmatch(name)
    if match is None:
        raise ValueError(f"not a stored file name: {name!r}")
    return int(match.group(1))


_SAFE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def sanitize_upload_name(name: str) -> str:
    """A safe version of a source's file name, kept inside the encrypted gzip header.

    Path parts, odd bytes and leading dots are dropped; an empty result becomes "document".
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _SAFE_CHARS.sub("_", base).strip("._")[:200]
    return cleaned or "document"
