"""The source interface's forms, declared once: fields, limits and labels (no JavaScript needed)."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import HiddenField, PasswordField, StringField, TextAreaField

from securedrop.domain.submissions import MAX_MESSAGE_CHARS, Upload
from securedrop.storage.spool import EncryptedSpool

#: The longest codename input considered (a codename is far shorter; longer is noise).
MAX_CODENAME_CHARS = 128


class SourceForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no type information
    """Base of the source forms: CSRFProtect has already checked the token of every POST
    (and ends the session when it fails), so the forms do not check it a second time."""

    class Meta:
        csrf = False


class GenerateForm(SourceForm):
    #: The value a tor2web proxy would rewrite; its absence means a forged form.
    tor2web_check = HiddenField()


class CreateForm(SourceForm):
    tab_id = HiddenField()


class LoginForm(SourceForm):
    # Translators: label of the field where a source types the secret phrase they were given.
    codename = PasswordField(lazy_gettext("Codename"))


class SubmissionForm(SourceForm):
    # Translators: label of the text box for a message to the journalists (a noun).
    msg = TextAreaField(lazy_gettext("Message"))
    # Translators: label of the file chooser (a noun).
    fh = FileField(lazy_gettext("File"))
    #: The honeypot: hidden from people, so only bots fill it.
    # Translators: hidden from people; only automated spam tools see and fill this field.
    text = StringField(lazy_gettext("Leave this field empty"))

    def message(self) -> str:
        """The message as typed, with browser line endings normalised and outer space trimmed."""
        return (self.msg.data or "").replace("\r\n", "\n").strip()

    def upload(self) -> Upload | None:
        """The chosen file, already in the encrypted spool, or None."""
        file = self.fh.data
        if not isinstance(file, FileStorage) or not file.filename:
            return None
        stream = file.stream
        size = stream.size if isinstance(stream, EncryptedSpool) else 0
        # The spool is a readable binary stream, though not an IO[bytes] subclass.
        return Upload(stream=stream, filename=file.filename, size=size)  # type: ignore[arg-type]  # see the comment above


class DeleteReplyForm(SourceForm):
    reply_filename = HiddenField()


__all__ = ["MAX_CODENAME_CHARS", "MAX_MESSAGE_CHARS", "CreateForm", "DeleteReplyForm", "GenerateForm", "LoginForm",
           "SubmissionForm"]
