"""Reaching onion services through a TorNode's SOCKS port: tor's reply codes and HTTP sessions."""

from __future__ import annotations

import time

import requests
import socks

from tests.tor.network import LOOPBACK, TorNode

# Tor's extended SOCKS5 replies (SocksPort ... ExtendedErrors), prop. 304.
CLIENT_AUTH_MISSING = 0xF4
CLIENT_AUTH_BAD = 0xF5
# Replies that only mean "not there yet / stale cache": worth another try.
TRANSIENT = {0x01, 0x04, 0x06, 0xF0, 0xF2, 0xF3, 0xF7}


def socks_reply(socks_port: int, address: str, timeout: float = 60.0) -> int:
    """0 if tor connected us to address:80, else tor's SOCKS5 reply code."""
    sock = socks.socksocket()
    sock.set_proxy(socks.SOCKS5, LOOPBACK, socks_port, rdns=True)
    sock.settimeout(timeout)
    try:
        sock.connect((f"{address}.onion", 80))
        return 0
    except socks.ProxyError as exc:
        return _reply_code(exc)
    finally:
        sock.close()


def _reply_code(exc: socks.ProxyError) -> int:
    # PySocks raises GeneralProxyError("Socket error", SOCKS5Error(...)) and
    # keeps the reply code only in the message: "0xf4: Unknown error".
    inner = exc.socket_err if isinstance(exc.socket_err, socks.SOCKS5Error) else exc
    if not isinstance(inner, socks.SOCKS5Error):
        raise exc
    return int(str(inner.msg).split(":", 1)[0], 16)


def settled_reply(node: TorNode, address: str, timeout: float = 60.0) -> int:
    """The first reply that is not transient (a descriptor not yet fetched, a stale one)."""
    deadline = time.monotonic() + timeout
    while True:
        code = socks_reply(node.socks_port, address)
        if code not in TRANSIENT or time.monotonic() > deadline:
            return code
        time.sleep(1)


def requests_session(node: TorNode) -> requests.Session:
    """An HTTP session whose requests, onion names included, go through `node`'s SOCKS port."""
    session = requests.Session()
    proxy = f"socks5h://{LOOPBACK}:{node.socks_port}"
    session.proxies = {"http": proxy, "https": proxy}
    return session
