"""Settings: one frozen, typed object read from SECUREDROP_* variables and a TOML file."""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

MiB = 1024 * 1024
#: The largest document a source may upload (SecureDrop's whole-request limit).
MAX_DOCUMENT_BYTES = 500 * MiB
#: Room for the rest of the multipart form around a maximal document.
FORM_OVERHEAD_BYTES = 1 * MiB

#: Where the gettext catalogs live (translations/<locale>/LC_MESSAGES/messages.po).
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"


def shipped_locales(translations_dir: Path = TRANSLATIONS_DIR) -> tuple[str, ...]:
    """en_US plus every locale with a catalog in translations/: the default to support."""
    found = sorted(p.parent.parent.name for p in translations_dir.glob("*/LC_MESSAGES/messages.po"))
    return ("en_US", *found)


DEFAULT_LOCALES = ("en_US",)


class ConfigError(Exception):
    """Raised at start-up when a setting is missing or invalid; says what to set."""


@dataclass(frozen=True)
class Settings:
    """Everything both apps and the CLI need to know, validated once at start-up."""

    data_dir: Path
    database_url: str
    #: Pepper of the scrypt derivation that finds a source (and names its directory).
    id_pepper: bytes
    #: Pepper of the scrypt derivation that unlocks a source's secret key.
    key_pepper: bytes
    source_secret_key: str
    journalist_secret_key: str
    #: Fingerprint of the organisation's submission key; None means "the one key in
    #: the submission keyring".
    submission_key_fpr: str | None = None
    gpg_binary: str = "gpg"
    default_locale: str = "en_US"
    supported_locales: tuple[str, ...] = DEFAULT_LOCALES
    source_session_minutes: int = 120
    max_document_bytes: int = MAX_DOCUMENT_BYTES
    #: scrypt cost; tests may lower it, production never should (checked in validate()).
    scrypt_n: int = 2**14
    dev: bool = False
    #: Set by `securedrop serve` once the source onion is published.
    source_onion: str | None = None

    # -- derived paths -----------------------------------------------------------
    @property
    def store_dir(self) -> Path:
        return self.data_dir / "store"

    @property
    def tmp_dir(self) -> Path:
        return self.data_dir / "tmp"

    @property
    def shredder_dir(self) -> Path:
        return self.data_dir / "shredder"

    @property
    def keyring_dir(self) -> Path:
        return self.data_dir / "keys"

    @property
    def onion_dir(self) -> Path:
        """The onion services' keys and the journalist onion's recorded address."""
        return self.data_dir / "onion"

    @property
    def max_request_bytes(self) -> int:
        return self.max_document_bytes + FORM_OVERHEAD_BYTES

    def validate(self) -> Settings:
        """Fail fast, naming the setting to fix."""
        for name in ("id_pepper", "key_pepper"):
            if len(getattr(self, name)) < 32:
                raise ConfigError(
                    f"{name} must be at least 32 random bytes, base64-encoded "
                    f"(set SECUREDROP_{name.upper()})"
                )
        if secrets.compare_digest(self.id_pepper, self.key_pepper):
            raise ConfigError(
                "id_pepper and key_pepper must differ: one finds a source, the other unlocks its key"
            )
        for name in ("source_secret_key", "journalist_secret_key"):
            if len(getattr(self, name)) < 32:
                raise ConfigError(f"{name} must be at least 32 characters (SECUREDROP_{name.upper()})")
        if self.scrypt_n < 2**14 and not self.dev:
            raise ConfigError("scrypt_n below 2**14 is allowed only in dev mode")
        if self.default_locale not in self.supported_locales:
            raise ConfigError(
                f"default_locale {self.default_locale!r} is not in supported_locales"
            )
        return self

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes).validate()


def _b64(name: str, value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ConfigError(f"{name} is not valid base64") from exc


def _env_or_file(env: Mapping[str, str], file_values: Mapping[str, Any], key: str) -> Any:
    env_key = "SECUREDROP_" + key.upper()
    if env_key in env:
        return env[env_key]
    return file_values.get(key)


def load(env: Mapping[str, str] | None = None, config_file: Path | None = None) -> Settings:
    """Build Settings from the environment and an optional TOML file.

    Environment variables win over the file. The file defaults to
    `<data dir>/config.toml` when present (where `securedrop dev` writes one).

    Raises:
        ConfigError: a required value is missing or invalid.
    """
    env = os.environ if env is None else env
    data_dir = Path(env.get("SECUREDROP_DATA_DIR", "/var/lib/securedrop")).resolve()
    if config_file is None and env.get("SECUREDROP_CONFIG"):
        config_file = Path(env["SECUREDROP_CONFIG"])
    if config_file is None and (data_dir / "config.toml").exists():
        config_file = data_dir / "config.toml"
    file_values: dict[str, Any] = {}
    if config_file is not None:
        try:
            file_values = tomllib.loads(config_file.read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config file {config_file}: {exc}") from exc

    def need(key: str) -> Any:
        value = _env_or_file(env, file_values, key)
        if value in (None, ""):
            raise ConfigError(f"missing setting {key}: set SECUREDROP_{key.upper()} or {key} in the config file")
        return value

    locales = _env_or_file(env, file_values, "supported_locales") or list(shipped_locales())
    if isinstance(locales, str):
        locales = [part.strip() for part in locales.split(",") if part.strip()]
    dev_value = _env_or_file(env, file_values, "dev")
    dev = dev_value in (True, "1", "true", "yes")
    scrypt_n = int(_env_or_file(env, file_values, "scrypt_n") or 2**14)
    settings = Settings(
        data_dir=data_dir,
        database_url=_env_or_file(env, file_values, "database_url")
        or f"sqlite:///{data_dir / 'db.sqlite'}",
        id_pepper=_b64("id_pepper", need("id_pepper")),
        key_pepper=_b64("key_pepper", need("key_pepper")),
        source_secret_key=need("source_secret_key"),
        journalist_secret_key=need("journalist_secret_key"),
        submission_key_fpr=_env_or_file(env, file_values, "submission_key_fpr") or None,
        gpg_binary=_env_or_file(env, file_values, "gpg_binary") or "gpg",
        default_locale=_env_or_file(env, file_values, "default_locale") or "en_US",
        supported_locales=tuple(locales),
        scrypt_n=scrypt_n,
        dev=dev,
        source_onion=_env_or_file(env, file_values, "source_onion") or None,
    )
    return settings.validate()


def load_or_exit() -> Settings:
    """`load()` for a command: a missing or bad value ends it with the message naming it."""
    try:
        return load()
    except ConfigError as exc:
        sys.exit(f"securedrop: {exc}")


def new_secrets() -> dict[str, str]:
    """Fresh peppers and secret keys, as written into a new config file."""
    return {
        "id_pepper": base64.b64encode(secrets.token_bytes(32)).decode(),
        "key_pepper": base64.b64encode(secrets.token_bytes(32)).decode(),
        "source_secret_key": secrets.token_urlsafe(48),
        "journalist_secret_key": secrets.token_urlsafe(48),
    }


def write_config_file(path: Path, values: Mapping[str, Any]) -> None:
    """Write a flat TOML file readable only by its owner (it holds the peppers)."""
    lines = ["# Written by securedrop; holds secrets. Keep it mode 0600."]
    for key, value in values.items():
        if isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, int):
            lines.append(f"{key} = {value}")
        elif isinstance(value, (list, tuple)):
            items = ", ".join(f'"{item}"' for item in value)
            lines.append(f"{key} = [{items}]")
        else:
            escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
            lines.append(f'{key} = "{escaped}"')
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("\n".join(lines) + "\n")
