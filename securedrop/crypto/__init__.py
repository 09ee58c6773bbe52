"""Every secret: OpenPGP, codenames and designations, key derivations, sealing, one-time codes."""


class CryptoError(Exception):
    """Base of every error raised by securedrop.crypto."""
