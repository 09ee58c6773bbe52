"""Template partials both apps share (language menu, flashed messages) and the values
every page's header needs (organisation name, logo)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader

from securedrop.domain.instance import logo_path
from securedrop.web.state import instance_config, services

SHARED_TEMPLATES = Path(__file__).parent / "templates"


def install(app: Flask) -> None:
    """Let the app's templates `{% include %}` the shared partials (its own templates
    win) and give every template the header values."""
    assert app.jinja_loader is not None
    app.jinja_loader = ChoiceLoader([app.jinja_loader, FileSystemLoader(SHARED_TEMPLATES)])
    app.context_processor(_header_context)


def _header_context() -> dict[str, Any]:
    return {
        "organization_name": instance_config().organization_name,
        "has_logo": logo_path(services().settings.data_dir).is_file(),
    }
