"""Message padding, address parsing and the plaintext-only-on-loopback rule."""

from __future__ import annotations

import pytest

from securedrop.mail import InsecureRelay
from securedrop.mail.message import DIGEST_BODY_BYTES, BodyTooLong, build, pad, parse_address
from securedrop.mail.transport import Relay, check_security, is_loopback, verify


@pytest.mark.parametrize(
    "text", ["There were no new submissions.", "Es gab keine neuen Einsendungen ü", "过去 24 小时内没有新的提交。"]
)
def test_padding_gives_every_body_the_same_size(text: str) -> None:
    body = pad(text, DIGEST_BODY_BYTES)
    assert len(body) == DIGEST_BODY_BYTES
    assert body.decode("utf-8").startswith(text)


def test_padding_refuses_a_text_that_does_not_fit() -> None:
    with pytest.raises(BodyTooLong):
        pad("x" * 100, 50)


def test_plain_messages_of_equal_body_size_are_equal_in_size() -> None:
    one = build("sd@newsroom.test", "ana@newsroom.test", "Digest", pad("yes", 512))
    two = build("sd@newsroom.test", "bob@newsroom.test", "Digest", pad("no, nothing new at all", 512))
    assert len(one.as_bytes()) == len(two.as_bytes())


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("dana@newsroom.org", "dana@newsroom.org"),
        ("  dana@newsroom.org ", "dana@newsroom.org"),
        ("dana", None),
        ("dana@localhost", None),
        ("Dana <dana@newsroom.org>", None),
        ("a@b.org, c@d.org", None),
        ("dana@newsroom.org\r\nBcc: x@evil.org", None),
        ("dana@-newsroom.org", None),
        ("", None),
    ],
)
def test_only_a_bare_address_is_accepted(given: str, expected: str | None) -> None:
    assert parse_address(given) == expected


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.53", "::1", "localhost"])
def test_plaintext_is_allowed_to_loopback(host: str) -> None:
    assert is_loopback(host)
    check_security(host, "none")


@pytest.mark.parametrize("host", ["10.0.0.1", "mail.newsroom.org", "127.0.0.1.evil.org", "0.0.0.0"])
def test_plaintext_is_refused_anywhere_else_before_connecting(host: str) -> None:
    with pytest.raises(InsecureRelay):
        check_security(host, "none")
    with pytest.raises(InsecureRelay):
        verify(Relay(host, 25, "none", "sd@newsroom.org"), timeout=0.1)
    check_security(host, "starttls")
    check_security(host, "tls")
