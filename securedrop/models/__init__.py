"""ORM tables only: sources, submissions and replies, journalists, instance config, sessions."""

from securedrop.models.base import Base
from securedrop.models.instance import InstanceConfig
from securedrop.models.journalists import Journalist
from securedrop.models.notifications import (
    AlertState,
    FailedLogin,
    MailRelay,
    NotificationRecipient,
    OutgoingMail,
)
from securedrop.models.onion_keys import OnionClientKey
from securedrop.models.sessions import WebSession
from securedrop.models.sources import (
    Reply,
    RetentionExtension,
    SeenFile,
    SeenMessage,
    SeenReply,
    Source,
    Submission,
)
from securedrop.models.sync import AppliedEvent, SyncState
from securedrop.models.tokens import ApiToken

__all__ = [
    "AlertState",
    "FailedLogin",
    "MailRelay",
    "NotificationRecipient",
    "OutgoingMail",
    "ApiToken",
    "AppliedEvent",
    "OnionClientKey",
    "Base",
    "InstanceConfig",
    "Journalist",
    "Reply",
    "RetentionExtension",
    "SeenFile",
    "SeenMessage",
    "SeenReply",
    "Source",
    "Submission",
    "SyncState",
    "WebSession",
]
