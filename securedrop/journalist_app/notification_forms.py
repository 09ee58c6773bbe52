"""The mail forms, declared once: the relay, a test address, and a journalist's notification settings."""

from __future__ import annotations

from flask_babel import lazy_gettext
from wtforms import BooleanField, PasswordField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from securedrop.domain.mail_relay import RelayInput
from securedrop.domain.notification_settings import RecipientInput
from securedrop.journalist_app.forms import JournalistForm
from securedrop.models import MailRelay, NotificationRecipient


class MailRelayForm(JournalistForm):
    """The outgoing relay; the domain checks every value, then the relay itself."""

    host = StringField(lazy_gettext("Host"))
    port = StringField(lazy_gettext("Port"), default="465")
    security = SelectField(
        lazy_gettext("Security"),
        choices=[
            SelectChoice("tls", lazy_gettext("TLS (usually port 465)")),
            SelectChoice("starttls", lazy_gettext("STARTTLS (usually port 587)")),
            SelectChoice("none", lazy_gettext("None (only for a relay on this machine)")),
        ],
        default="tls",
        validate_choice=False,  # the domain refuses unknown modes with its own message
    )
    sender = StringField(lazy_gettext("Sender address"))
    username = StringField(lazy_gettext("Username (empty if the relay needs none)"))
    # Never rendered with a value: the saved password is not shown again.
    password = PasswordField(lazy_gettext("Password"))
    digest_hour = StringField(lazy_gettext("Hour of the daily digest (UTC, 0-23)"), default="9")

    @classmethod
    def showing(cls, relay: MailRelay | None) -> MailRelayForm:
        """The form filled with the saved relay (without its password)."""
        if relay is None:
            return cls(formdata=None)
        return cls(formdata=None, data={
            "host": relay.host, "port": str(relay.port), "security": relay.security, "sender": relay.sender,
            "username": relay.username or "", "digest_hour": str(relay.digest_hour),
        })

    def relay_input(self) -> RelayInput:
        return RelayInput(
            host=self.host.data or "", port=self.port.data or "", security=self.security.data or "",
            sender=self.sender.data or "", username=self.username.data or "", password=self.password.data or "",
            digest_hour=self.digest_hour.data or "",
        )


class TestEmailForm(JournalistForm):
    address = StringField(lazy_gettext("Recipient"))


class NotificationsForm(JournalistForm):
    """An address (empty: none), an optional public key, and daily digest or nothing."""

    email = StringField(lazy_gettext("Email address (leave empty for no notifications)"))
    preference = RadioField(
        lazy_gettext("What to receive"),
        choices=[SelectChoice("digest", lazy_gettext("Daily digest")), SelectChoice("none", lazy_gettext("None"))],
        default="digest",  # the default once an address is set
        validate_choice=False,
    )
    remove_key = BooleanField(lazy_gettext("Stop encrypting (remove the key)"))
    public_key = TextAreaField(
        lazy_gettext("OpenPGP public key for this address (optional; every message is then encrypted to it)")
    )

    @classmethod
    def showing(cls, recipient: NotificationRecipient | None) -> NotificationsForm:
        if recipient is None:
            return cls(formdata=None)
        return cls(formdata=None, data={
            "email": recipient.email, "preference": "digest" if recipient.daily_digest else "none",
        })

    def recipient_input(self, locale: str) -> RecipientInput:
        return RecipientInput(
            email=self.email.data or "", public_key=self.public_key.data or "",
            daily_digest=self.preference.data != "none", remove_key=bool(self.remove_key.data), locale=locale,
        )
