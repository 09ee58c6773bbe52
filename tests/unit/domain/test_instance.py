"""Instance settings as admins change them: bad values are refused and change nothing."""

from __future__ import annotations

import pytest

from securedrop import db
from securedrop.domain import instance
from securedrop.services import Services

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32


def test_organization_name_is_tidied_and_bounded(services: Services) -> None:
    with db.unit_of_work(services.sessions) as session:
        assert instance.set_organization_name(session, "  The   Daily  ").organization_name == "The Daily"
    for bad in ("", "   ", "x" * (instance.MAX_ORGANIZATION_NAME_CHARS + 1)):
        with pytest.raises(instance.InvalidOrganizationName), db.unit_of_work(services.sessions) as session:
            instance.set_organization_name(session, bad)
    with services.sessions() as session:
        assert instance.current_config(session).organization_name == "The Daily"


def test_submission_preferences_refuse_a_bad_minimum(services: Services) -> None:
    with db.unit_of_work(services.sessions) as session:
        config = instance.set_submission_preferences(session, False, " 20 ", True)
        assert (config.allow_document_uploads, config.initial_message_min_len) == (False, 20)
    for bad in ("twenty", "-1", str(instance.MAX_MIN_MESSAGE_CHARS + 1)):
        with pytest.raises(instance.InvalidMinimumLength), db.unit_of_work(services.sessions) as session:
            instance.set_submission_preferences(session, True, bad, False)
    with services.sessions() as session:
        config = instance.current_config(session)
        assert (config.allow_document_uploads, config.initial_message_min_len) == (False, 20)


def test_only_a_small_png_replaces_the_logo(services: Services) -> None:
    data_dir = services.settings.data_dir
    assert instance.save_logo(data_dir, PNG).read_bytes() == PNG
    with pytest.raises(instance.LogoNotPNG):
        instance.save_logo(data_dir, b"GIF89a" + b"\x00" * 32)
    with pytest.raises(instance.LogoTooLarge):
        instance.save_logo(data_dir, PNG + b"\x00" * instance.MAX_LOGO_BYTES)
    assert instance.logo_path(data_dir).read_bytes() == PNG
    assert [p.name for p in data_dir.glob(".*.part")] == []
