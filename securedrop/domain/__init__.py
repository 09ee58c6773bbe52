"""The rules: functions that take a database session and their collaborators, never Flask."""


class DomainError(Exception):
    """Base of every error a domain function raises for the web layer to explain."""


class NotFound(DomainError):
    """Raised when a source, file or reply does not exist (or is not the caller's)."""


class NothingSelected(DomainError):
    """Raised when a bulk action names no source or file."""


class SourceCreationError(DomainError):
    """Raised when a new source cannot be created (id collision, no free designation)."""


class SubmissionRejected(DomainError):
    """Base of the reasons a submission is refused; nothing is stored."""


class EmptySubmission(SubmissionRejected):
    """Raised when neither a message nor a file was sent."""


class MessageTooLong(SubmissionRejected):
    """Raised when a message exceeds MAX_MESSAGE_CHARS."""


class DocumentsNotAllowed(SubmissionRejected):
    """Raised when a file arrives while the instance accepts messages only."""


class EmptyDocument(SubmissionRejected):
    """Raised when the chosen file has no content."""


class DocumentTooLarge(SubmissionRejected):
    """Raised when a file exceeds the configured maximum size."""


class FirstMessageTooShort(SubmissionRejected):
    """Raised when a first, message-only submission is shorter than the admin's minimum."""

    def __init__(self, minimum: int) -> None:
        super().__init__(minimum)
        self.minimum = minimum


class CodenameAsMessage(SubmissionRejected):
    """Raised when a first message is the source's own codename (and admins forbid that)."""


class ReplyRejected(DomainError):
    """Raised when a journalist's reply is empty or cannot be stored."""
