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

from securedrop.crypto.derivation import SCRYPT_MAX_N

MiB = 1024 * 1024
#: The largest document a source may upload (SecureDrop's whole-request limit).
MAX_DOCUMENT_BYTES = 500 * MiB
#: Room for the rest of the multipart form around a maximal document.
FORM_OVERHEAD_BYTES = 1 * MiB

#: The gettext catalogs, inside the package so an installed copy carries them:
#: <locale>/LC_MESSAGES/messages.po in a source tree, and the messages.mo compiled
#: from it (by `make i18n-compile`, or by setup.py when the package is built).
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
#: Where everything lives when SECUREDROP_DATA_DIR is not set.
DEFAULT_DATA_DIR = Path("/var/lib/securedrop")
#: The cost production never goes below (~38 ms a derivation on a 2-core machine).
MIN_SCRYPT_N = 2**14


def shipped_locales(translations_dir: Path = TRANSLATIONS_DIR) -> tuple[str, ...]:
    """en_US plus every locale with a catalog (source or compiled): the default to support."""
    found = {p.parent.parent.name for p in translations_dir.glob("*/LC_MESSAGES/messages.[mp]o")}
    return ("en_US", *sorted(found))


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
    # Every optional setting's default is here and only here: load() passes on
    # what the environment or file sets and leaves the rest to these.
    #: Fingerprint of the organisation's submission key; None means "the one key in
    #: the submission keyring".
    submission_key_fpr: str | None = None
    gpg_binary: str = "gpg"
    default_locale: str = "en_US"
    #: load() widens this to every shipped catalog (see shipped_locales()).
    supported_locales: tuple[str, ...] = DEFAULT_LOCALES
    source_session_minutes: int = 120
    max_document_bytes: int = MAX_DOCUMENT_BYTES
    #: scrypt cost; tests may lower it, production never should (checked in validate()).
    scrypt_n: int = MIN_SCRYPT_N
    dev: bool = False
    #: Set by `securedrop serve` once the source onion is published.
    source_onion: str | None = None
    #: PEM file of a CA to trust for the mail relay's TLS instead of the system's.
    smtp_ca_file: str | None = None

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
        n = self.scrypt_n
        # scrypt takes only powers of two; hashlib would refuse any other cost with a
        # ValueError at a source's first visit instead of at start-up.
        if isinstance(n, bool) or not isinstance(n, int) or n < 2 or n & (n - 1) or n > SCRYPT_MAX_N:
            raise ConfigError(
                f"scrypt_n must be a power of two from 2 to {SCRYPT_MAX_N} (2**14 in production), not {n!r}"
            )
        if n < MIN_SCRYPT_N and not self.dev:
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


def _text(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{key} must be a string, not {value!r}")
    return value


def _integer(key: str, value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise ConfigError(f"{key} must be a whole number, not {value!r}") from None


def _boolean(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("1", "true", "yes"):
        return True
    if str(value).lower() in ("0", "false", "no"):
        return False
    raise ConfigError(f"{key} must be true or false, not {value!r}")


def _locales(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise ConfigError(f"{key} must be a list of locale codes, not {value!r}")


#: The optional settings load() reads, each with the parser that turns a raw value
#: (an environment string or a TOML value) into its type. Their defaults are the
#: Settings fields'.
_OPTIONAL: dict[str, Any] = {
    "submission_key_fpr": _text,
    "gpg_binary": _text,
    "default_locale": _text,
    "supported_locales": _locales,
    "scrypt_n": _integer,
    "dev": _boolean,
    "source_onion": _text,
    "smtp_ca_file": _text,
}


def load(env: Mapping[str, str] | None = None, config_file: Path | None = None) -> Settings:
    """Build Settings from the environment and an optional TOML file.

    Environment variables win over the file. The file defaults to
    `<data dir>/config.toml` when present (where `securedrop dev` writes one).
    An optional setting that is unset or empty takes the Settings field's default,
    except supported_locales, which defaults to every shipped catalog, and
    database_url, which defaults to db.sqlite in the data directory.

    Raises:
        ConfigError: a required value is missing or invalid.
    """
    env = os.environ if env is None else env
    data_dir = Path(env.get("SECUREDROP_DATA_DIR") or DEFAULT_DATA_DIR).resolve()
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

    optional: dict[str, Any] = {"supported_locales": shipped_locales()}
    for key, parse in _OPTIONAL.items():
        value = _env_or_file(env, file_values, key)
        if value not in (None, "", []):
            optional[key] = parse(key, value)
    settings = Settings(
        data_dir=data_dir,
        database_url=_env_or_file(env, file_values, "database_url") or f"sqlite:///{data_dir / 'db.sqlite'}",
        id_pepper=_b64("id_pepper", need("id_pepper")),
        key_pepper=_b64("key_pepper", need("key_pepper")),
        source_secret_key=need("source_secret_key"),
        journalist_secret_key=need("journalist_secret_key"),
        **optional,
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
