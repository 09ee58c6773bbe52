"""On-disk layout, path checks, atomic writes, the encrypted upload spool, secure deletion."""


class StorageError(Exception):
    """Base of every error raised by securedrop.storage."""


class PathError(StorageError):
    """Raised when a name or path would leave its root or breaks the naming rule."""
