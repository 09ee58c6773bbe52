"""The journalist app's JSON APIs, one versioned package each; `install(app)` mounts them."""

from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from securedrop.api.v1 import install as install_v1
from securedrop.api.v2 import install as install_v2


def install(app: Flask, csrf: CSRFProtect) -> None:
    """Mount every API version on the journalist app (see each version's install)."""
    install_v1(app, csrf)
    install_v2(app, csrf)
