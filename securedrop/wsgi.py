"""WSGI entry points for gunicorn: `securedrop.wsgi:source_app()` and `journalist_app()`."""

from __future__ import annotations

from flask import Flask

from securedrop import config


def source_app() -> Flask:
    from securedrop.source_app import create_app

    return create_app(config.load())


def journalist_app() -> Flask:
    from securedrop.journalist_app import create_app

    return create_app(config.load())
