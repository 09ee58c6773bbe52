"""Settings: environment over file, fail-fast validation, dev config written once."""

from __future__ import annotations

import base64
import os
import subprocess
from pathlib import Path

import pytest

from securedrop import config
from securedrop.config import ConfigError
from tests.conftest import SubmissionKey


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    secrets = config.new_secrets()
    env = {"SECUREDROP_DATA_DIR": str(tmp_path)}
    env.update({f"SECUREDROP_{k.upper()}": v for k, v in secrets.items()})
    env.update(extra)
    return env


def test_loads_from_environment(tmp_path: Path) -> None:
    settings = config.load(_env(tmp_path))
    assert settings.data_dir == tmp_path.resolve()
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'db.sqlite'}"
    assert len(settings.id_pepper) == 32 and settings.id_pepper != settings.key_pepper
    assert settings.max_request_bytes > settings.max_document_bytes == 500 * 1024 * 1024


def test_environment_wins_over_file(tmp_path: Path) -> None:
    values = {**config.new_secrets(), "default_locale": "en_US", "database_url": "sqlite:////file.db"}
    config.write_config_file(tmp_path / "config.toml", values)
    assert oct((tmp_path / "config.toml").stat().st_mode & 0o777) == "0o600"
    settings = config.load({"SECUREDROP_DATA_DIR": str(tmp_path), "SECUREDROP_DATABASE_URL": "sqlite:////env.db"})
    assert settings.database_url == "sqlite:////env.db"
    assert settings.id_pepper == base64.b64decode(values["id_pepper"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SECUREDROP_ID_PEPPER": ""}, "missing setting id_pepper"),
        ({"SECUREDROP_ID_PEPPER": "not base64!"}, "not valid base64"),
        ({"SECUREDROP_KEY_PEPPER": base64.b64encode(b"short").decode()}, "at least 32 random bytes"),
        ({"SECUREDROP_SOURCE_SECRET_KEY": "tiny"}, "source_secret_key must be at least"),
        ({"SECUREDROP_SCRYPT_N": "1024"}, "scrypt_n below"),
        ({"SECUREDROP_SCRYPT_N": "lots"}, "scrypt_n must be a whole number"),
        ({"SECUREDROP_SCRYPT_N": "20000", "SECUREDROP_DEV": "1"}, "scrypt_n must be a power of two"),
        ({"SECUREDROP_SCRYPT_N": str(2**20)}, "scrypt_n must be a power of two"),
        ({"SECUREDROP_DEV": "maybe"}, "dev must be true or false"),
    ],
)
def test_bad_values_fail_fast_naming_the_setting(tmp_path: Path, change: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config.load(_env(tmp_path, **change))


def test_unset_and_empty_optional_settings_take_the_one_set_of_defaults(tmp_path: Path) -> None:
    unset = config.load(_env(tmp_path))
    empty = config.load(_env(tmp_path, SECUREDROP_SCRYPT_N="", SECUREDROP_GPG_BINARY="", SECUREDROP_DEV=""))
    fields = config.Settings.__dataclass_fields__
    for settings in (unset, empty):
        for name in ("scrypt_n", "gpg_binary", "default_locale", "dev", "submission_key_fpr", "source_onion"):
            assert getattr(settings, name) == fields[name].default, name
    assert unset.supported_locales == config.shipped_locales()


def test_a_toml_file_may_give_typed_values(tmp_path: Path) -> None:
    config.write_config_file(tmp_path / "config.toml", {**config.new_secrets(), "dev": True, "scrypt_n": 1024})
    settings = config.load({"SECUREDROP_DATA_DIR": str(tmp_path)})
    assert settings.dev is True and settings.scrypt_n == 1024


def test_equal_peppers_are_refused(tmp_path: Path) -> None:
    env = _env(tmp_path)
    env["SECUREDROP_KEY_PEPPER"] = env["SECUREDROP_ID_PEPPER"]
    with pytest.raises(ConfigError, match="must differ"):
        config.load(env)


def test_settings_are_frozen(tmp_path: Path) -> None:
    settings = config.load(_env(tmp_path))
    with pytest.raises(AttributeError):
        settings.dev = True  # type: ignore[misc]  # assigning to a frozen field is the point


def test_dev_config_is_written_once_and_reused(tmp_path: Path) -> None:
    from securedrop.cli import ensure_dev_config

    path = ensure_dev_config(tmp_path)
    first = path.read_text()
    ensure_dev_config(tmp_path)
    assert path.read_text() == first
    settings = config.load({"SECUREDROP_DATA_DIR": str(tmp_path), "PATH": os.environ["PATH"]})
    assert settings.dev


def test_submission_key_command_imports_public_keys_only(tmp_path: Path, submission_key: SubmissionKey) -> None:
    from tests.functional.serve_process import securedrop

    env = {**os.environ, **_env(tmp_path)}
    public, secret = tmp_path / "public.asc", tmp_path / "secret.asc"
    public.write_text(submission_key.public)
    secret.write_text(submission_key.secret)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return securedrop(env, "submission-key", *args)

    assert run("check").returncode != 0
    refused = run("import", str(secret))
    assert refused.returncode != 0 and "secret key" in refused.stderr
    imported = run("import", str(public))
    assert imported.returncode == 0 and submission_key.fingerprint in imported.stdout
    assert submission_key.fingerprint in run("check").stdout
