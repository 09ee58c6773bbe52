"""The journalist interface's forms, declared once: fields and labels marked for translation."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)

from securedrop.crypto.passwords import MAX_PASSPHRASE_CHARS
from securedrop.domain.journalists import MAX_NAME_CHARS

__all__ = [
    "MAX_NAME_CHARS", "MAX_PASSPHRASE_CHARS", "AccountForm", "BulkForm", "DeviceKeyForm", "HOTPSecretForm",
    "JournalistForm", "LoginForm", "LogoForm", "NameForm", "NewPassphraseForm", "OfferedPassphraseForm",
    "NewAccountForm", "OfferedLanguagesForm", "OrganizationNameForm", "ProcessForm", "ReplyForm", "RetentionForm",
    "SubmissionPreferencesForm", "TokenForm",
    "UserIdForm",
]


class JournalistForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no type information
    """Base of the journalist forms: CSRFProtect has already checked the token of every
    POST (and ends the session when it fails), so the forms do not check it again."""

    class Meta:
        csrf = False


class LoginForm(JournalistForm):
    username = StringField(lazy_gettext("Username"))
    password = PasswordField(lazy_gettext("Passphrase"))
    token = StringField(lazy_gettext("Two-factor code"))


class NameForm(JournalistForm):
    """A journalist's own first and last name (the domain refuses names over MAX_NAME_CHARS)."""

    first_name = StringField(lazy_gettext("First name"))
    last_name = StringField(lazy_gettext("Last name"))


class NewPassphraseForm(JournalistForm):
    """A new passphrase (the one the server offered), proven with the current one and a code."""

    password = HiddenField()
    current_password = PasswordField(lazy_gettext("Current passphrase"))
    token = StringField(lazy_gettext("Two-factor code"))


class TokenForm(JournalistForm):
    """A code from a new two-factor device, proving it was set up."""

    token = StringField(lazy_gettext("Two-factor code"))


class UserIdForm(JournalistForm):
    """Names the account an admin acts on."""

    uid = HiddenField()

    def user_id(self) -> int | None:
        """The account id, or None when the field is not a whole number."""
        try:
            return int(self.uid.data or "")
        except ValueError:
            return None


class HOTPSecretForm(UserIdForm):
    """A hardware token's HOTP secret (40 hex characters; the domain checks it)."""

    otp_secret = StringField()  # labelled in the template, beside its format


class OfferedPassphraseForm(JournalistForm):
    """The passphrase the server offered, sent back to confirm it was shown."""

    password = HiddenField()


class AccountForm(JournalistForm):
    """An account's username, names and admin flag (an admin edits these)."""

    username = StringField(lazy_gettext("Username"))
    first_name = StringField(lazy_gettext("First name"))
    last_name = StringField(lazy_gettext("Last name"))
    is_admin = BooleanField(lazy_gettext("Is administrator"))


class NewAccountForm(AccountForm):
    """A new account: the offered passphrase and a TOTP app or an HOTP token."""

    password = HiddenField()
    otp_type = StringField(default="totp")  # two radio buttons in the template: "totp" or "hotp"
    otp_secret = StringField()  # labelled in the template, beside its format

    def wants_hotp(self) -> bool:
        return bool(self.otp_type.data == "hotp")


class DeviceKeyForm(UserIdForm):
    """A journalist device to issue an onion client key for."""

    device = StringField(lazy_gettext("Device"))


class ReplyForm(JournalistForm):
    filesystem_id = HiddenField()
    message = TextAreaField(lazy_gettext("Reply"))


class BulkForm(JournalistForm):
    """An action on some of one source's items."""

    filesystem_id = HiddenField()
    action = HiddenField()
    doc_names_selected = SelectMultipleField(validate_choice=False)


class ProcessForm(JournalistForm):
    """An action on some of the sources on the index."""

    action = HiddenField()
    cols_selected = SelectMultipleField(validate_choice=False)


class OrganizationNameForm(JournalistForm):
    organization_name = StringField(lazy_gettext("Organization name"))


class SubmissionPreferencesForm(JournalistForm):
    prevent_document_uploads = BooleanField(lazy_gettext("Prevent sources from uploading documents (messages only)"))
    prevent_short_messages = BooleanField(lazy_gettext("Require a minimum length for a first message"))
    min_message_length = StringField(default="0")
    reject_codename_messages = BooleanField(lazy_gettext("Reject a first message that is the source's codename"))

    def minimum_length(self) -> str | int:
        """The minimum first-message length as typed (the domain checks it), or 0 when off."""
        return (self.min_message_length.data or "0") if self.prevent_short_messages.data else 0


class LogoForm(JournalistForm):
    logo = FileField(lazy_gettext("Logo"))


class OfferedLanguagesForm(JournalistForm):
    """Admin → Languages: the locale codes to offer (checked against the installed ones
    by the domain, which names any it does not know)."""

    offered = SelectMultipleField(choices=[], validate_choice=False)


class RetentionForm(JournalistForm):
    #: Days; empty turns retention off (the domain checks the range).
    retention_days = StringField(lazy_gettext("Delete sources inactive for this many days"))
