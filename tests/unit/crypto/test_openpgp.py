"""OpenPGP with the real gpg: submission key checks, source keys, replies, streaming."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest

from securedrop.crypto.openpgp import OpenPGP, OpenPGPError, SubmissionKeyError
from tests.conftest import Decryptor, SubmissionKey, stop_gpg_daemons


@pytest.fixture
def pgp(tmp_path: Path, submission_key: SubmissionKey) -> OpenPGP:
    pgp = OpenPGP(tmp_path / "keys", tmp_path / "tmp")
    pgp.import_submission_key(submission_key.public)
    return pgp


def test_submission_key_is_found_and_usable(pgp: OpenPGP, submission_key: SubmissionKey) -> None:
    assert pgp.submission_fingerprint == submission_key.fingerprint
    pgp.check_submission_key()
    assert "BEGIN PGP PUBLIC KEY BLOCK" in pgp.export_submission_key()


def test_empty_keyring_is_reported(tmp_path: Path) -> None:
    with pytest.raises(SubmissionKeyError, match="holds 0 keys"):
        OpenPGP(tmp_path / "keys", tmp_path / "tmp").check_submission_key()


def test_secret_keys_are_refused_on_the_server(tmp_path: Path, submission_key: SubmissionKey) -> None:
    with pytest.raises(SubmissionKeyError, match="secret key"):
        OpenPGP(tmp_path / "keys", tmp_path / "tmp").import_submission_key(submission_key.secret)


def test_weak_rsa_submission_key_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "weak"
    home.mkdir(mode=0o700)
    params = "Key-Type: RSA\nKey-Length: 2048\nName-Real: weak\n%no-protection\n%commit\n"
    subprocess.run(["gpg", "--homedir", str(home), "--batch", "--gen-key"], input=params.encode(),
                   check=True, capture_output=True)
    public = subprocess.run(["gpg", "--homedir", str(home), "--armor", "--export"], check=True,
                            capture_output=True).stdout.decode()
    stop_gpg_daemons(home)
    pgp = OpenPGP(tmp_path / "keys", tmp_path / "tmp")
    pgp.import_submission_key(public)
    with pytest.raises(SubmissionKeyError, match="2048-bit"):
        pgp.check_submission_key()


def test_source_keys_leave_no_keyring_or_agent_behind(pgp: OpenPGP, tmp_path: Path) -> None:
    pair = pgp.generate_source_key("ABCDEFGH")
    assert len(pair.fingerprint) == 40 and pair.fingerprint.isupper()
    assert "PRIVATE KEY" in pair.secret_key
    assert list(pgp.homes_dir.iterdir()) == []
    assert [path for path in (tmp_path / "tmp").rglob("*") if not path.is_dir()] == []
    # The long-lived keyring still holds only the submission key.
    listed = subprocess.run(["gpg", "--homedir", str(tmp_path / "keys"), "--list-keys", "--with-colons"],
                            capture_output=True, check=True).stdout.decode()
    assert listed.count("\npub:") + listed.startswith("pub:") == 1


def test_reply_reaches_both_keys(pgp: OpenPGP, tmp_path: Path, decryptor: Decryptor) -> None:
    pair = pgp.generate_source_key("SOURCEID")
    out = tmp_path / "reply.gpg"
    pgp.encrypt_reply("hello source ✓", pair.public_key, out)
    data = out.read_bytes()
    assert decryptor.decrypt(data).decode() == "hello source ✓"
    assert pgp.decrypt_with_source_key(pair.secret_key, [data, b"garbage"]) == ["hello source ✓", None]


def test_streamed_encryption_has_no_compression_packet(pgp: OpenPGP, tmp_path: Path, decryptor: Decryptor) -> None:
    payload = b"compressible " * 100_000
    out = tmp_path / "doc.gpg"
    pgp.encrypt_stream_to_submission_key(io.BytesIO(payload), out)
    data = out.read_bytes()
    assert decryptor.decrypt(data) == payload
    assert len(data) > len(payload)  # gpg did not compress it
    assert "compressed packet" not in decryptor.packets(data)


def test_decrypting_with_a_broken_key_fails_clearly(pgp: OpenPGP) -> None:
    with pytest.raises(OpenPGPError):
        pgp.decrypt_with_source_key("not a key", [b"x"])
