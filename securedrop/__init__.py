"""A SecureDrop-style whistleblower submission system."""

__version__ = "0.1.0"
