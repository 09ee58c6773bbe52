"""The errors of securedrop.onion; each message tells the operator what to fix."""

from __future__ import annotations


class OnionError(Exception):
    """Base class of every error this module raises; its message is for the operator."""


class TorUnavailable(OnionError):
    """Tor's control port or socket cannot be reached, or does not speak tor's protocol."""


class TorLaunchFailed(TorUnavailable):
    """A tor process started by launch_tor exited or never opened its control port."""


class TorAuthFailed(OnionError):
    """Tor refused our control credentials (wrong password, unreadable cookie)."""


class TorTooOld(OnionError):
    """The tor behind the control port lacks a feature this module relies on."""


class CorruptKey(OnionError):
    """An onion service key file exists but cannot be read or is not a valid key."""


class InsecurePermissions(OnionError):
    """A key directory is writable by other users, so a key could be swapped."""


class InvalidClientKey(OnionError):
    """A client-authorization key is not 32 bytes of unpadded base32."""


class InvalidAddress(OnionError):
    """A string is not a valid v3 onion address."""


class InvalidTarget(OnionError):
    """A port mapping is malformed or points somewhere other than loopback."""


class NoClientKeys(OnionError):
    """Client authorization was asked for with no keys: refusing to publish."""


class PublishFailed(OnionError):
    """Tor refused to add or remove an onion service."""

