"""Template partials both apps share (language menu, flashed messages)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader

SHARED_TEMPLATES = Path(__file__).parent / "templates"


def install(app: Flask) -> None:
    """Let the app's templates `{% include %}` the shared partials; its own templates win."""
    assert app.jinja_loader is not None
    app.jinja_loader = ChoiceLoader([app.jinja_loader, FileSystemLoader(SHARED_TEMPLATES)])
