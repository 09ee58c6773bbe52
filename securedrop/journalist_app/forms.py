"""The journalist interface's forms, declared once: fields and labels marked for translation."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField

from securedrop.crypto.passwords import MAX_PASSPHRASE_CHARS

__all__ = ["MAX_PASSPHRASE_CHARS", "JournalistForm", "LoginForm"]


class JournalistForm(FlaskForm):  # type: ignore[misc]  # flask_wtf ships no type information
    """Base of the journalist forms: CSRFProtect has already checked the token of every
    POST (and ends the session when it fails), so the forms do not check it again."""

    class Meta:
        csrf = False


class LoginForm(JournalistForm):
    username = StringField(lazy_gettext("Username"))
    password = PasswordField(lazy_gettext("Passphrase"))
    token = StringField(lazy_gettext("Two-factor code"))
