"""The journalist interface's forms, declared once: fields and labels marked for translation."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField

from securedrop.crypto.passwords import MAX_PASSPHRASE_CHARS
from securedrop.domain.journalists import MAX_NAME_CHARS

__all__ = ["MAX_NAME_CHARS", "MAX_PASSPHRASE_CHARS", "JournalistForm", "LoginForm", "NameForm", "NewPassphraseForm"]


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
