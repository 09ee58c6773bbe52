"""The upload spool: large parts go to a temp file encrypted under a key held only in memory."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, CipherContext, algorithms, modes

#: Parts up to this size stay in memory; anything larger or of unknown size is spooled.
MEMORY_LIMIT = 512 * 1024


class EncryptedSpool(io.RawIOBase):
    """Write once, rewind, read once. Plaintext never reaches the disk.

    Werkzeug's default stream factory writes any file part over 500 KiB to the system
    temp directory in the clear; a crash or a forensic look at the disk would then reveal
    the submission. Here the bytes on disk are AES-256-CTR under a random key and IV that
    live only in this object, and the file is unlinked on close.
    """

    def __init__(self, tmp_dir: Path, expected_size: int | None = None) -> None:
        super().__init__()
        self._tmp_dir = tmp_dir
        self._memory: io.BytesIO | None = io.BytesIO()
        self._file: Any = None
        self._path: Path | None = None
        self._key = os.urandom(32)
        self._iv = os.urandom(16)
        self._encryptor: CipherContext | None = None
        self._decryptor: CipherContext | None = None
        self._size = 0
        if expected_size is None or expected_size > MEMORY_LIMIT:
            self._switch_to_disk()

    def _cipher(self) -> Cipher[modes.CTR]:
        return Cipher(algorithms.AES256(self._key), modes.CTR(self._iv))

    def _switch_to_disk(self) -> None:
        fd, name = tempfile.mkstemp(prefix="spool-", dir=self._tmp_dir)
        self._path = Path(name)
        self._file = os.fdopen(fd, "w+b", buffering=0)
        self._encryptor = self._cipher().encryptor()
        if self._memory is not None:
            buffered = self._memory.getvalue()
            self._memory = None
            if buffered:
                self._file.write(self._encryptor.update(buffered))

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    @property
    def size(self) -> int:
        return self._size

    def write(self, data: Any) -> int:
        if self._decryptor is not None:
            raise io.UnsupportedOperation("the spool is write-once")
        data = bytes(data)
        self._size += len(data)
        if self._memory is not None:
            if self._memory.tell() + len(data) <= MEMORY_LIMIT:
                return self._memory.write(data)
            self._switch_to_disk()
        assert self._encryptor is not None
        self._file.write(self._encryptor.update(data))
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_END and offset == 0:
            return self._size
        if offset != 0 or whence != io.SEEK_SET:
            raise io.UnsupportedOperation("the spool can only be rewound")
        if self._memory is not None:
            return self._memory.seek(0)
        self._file.seek(0)
        self._decryptor = self._cipher().decryptor()
        return 0

    def tell(self) -> int:
        return self._size

    def read(self, size: int = -1) -> bytes:
        if self._memory is not None:
            return self._memory.read(size)
        if self._decryptor is None:
            raise io.UnsupportedOperation("rewind the spool before reading it")
        chunk = self._file.read(size if size is not None and size >= 0 else self._size)
        return self._decryptor.update(chunk or b"")

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if self.closed:
            return
        if self._file is not None:
            self._file.close()
        if self._path is not None:
            self._path.unlink(missing_ok=True)
        self._memory = None
        self._key = b""
        super().close()
