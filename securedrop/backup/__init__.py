"""Backup and restore of a whole instance: database, store, onion keys, config, key, logo."""


class BackupError(Exception):
    """Base of every error raised by securedrop.backup; its message is a sentence for the operator."""


class SnapshotFailed(BackupError):
    """Raised when the database cannot be snapshotted (pg_dump failed, SQLite unreadable)."""


class ArchiveInvalid(BackupError):
    """Raised when an archive is truncated, altered, incomplete or not a backup at all."""


class SchemaTooNew(ArchiveInvalid):
    """Raised when an archive's schema revision is unknown to this version (a newer one made it)."""


class TargetNotEmpty(BackupError):
    """Raised when restore would overwrite a data dir or database that already holds data."""
