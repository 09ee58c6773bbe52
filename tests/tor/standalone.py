"""One tor with DisableNetwork 1 and a control port, for unit tests of securedrop.onion."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from types import TracebackType

from tests.tor.network import ControlConnection, TorNetworkError, TorNode, require_binary


def hash_control_password(password: str, tor_binary: str = "tor") -> str:
    """The HashedControlPassword value for `password`, from `tor --hash-password`."""
    result = subprocess.run(
        [require_binary(tor_binary), "--quiet", "--hash-password", password],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    hashed = [line for line in result.stdout.splitlines() if line.startswith("16:")]
    if not hashed:
        raise TorNetworkError(f"tor --hash-password printed no hash: {result.stdout!r}")
    return hashed[-1]


class StandaloneTor:
    """A tor that never touches any network (DisableNetwork 1) yet accepts ADD_ONION.

    With `password` it wants that control password instead of a cookie.
    """

    def __init__(self, base_dir: str | os.PathLike[str], password: str | None = None, tor_binary: str = "tor") -> None:
        self._password = password
        options = [("SocksPort", "0"), ("DisableNetwork", "1")]
        if password is None:
            options.append(("CookieAuthentication", "1"))
        else:
            options.append(("HashedControlPassword", hash_control_password(password, tor_binary)))
        self.node = TorNode("standalone", Path(base_dir), options, require_binary(tor_binary), password)

    def start(self, timeout: float = 30.0) -> StandaloneTor:
        self.node.start()
        try:
            self.node.wait_for_control_port(time.monotonic() + timeout)
            self.node.control()  # the owning connection: tor dies with this process
        except BaseException:
            self.node.stop()
            raise
        return self

    @property
    def control_port(self) -> int:
        if self.node.control_port is None:
            raise TorNetworkError("tor is not started")
        return self.node.control_port

    @property
    def pid(self) -> int:
        if self.node.process is None:
            raise TorNetworkError("tor is not started")
        return self.node.process.pid

    def control(self) -> ControlConnection:
        """A raw control connection of the test's own, independent of the code under test."""
        return ControlConnection(self.control_port, self.node.cookie_path, self._password)

    def is_published(self, service_key: str) -> bool:
        """Whether any connection has this key published: tor refuses a second copy.

        (GETINFO onions/current only shows the asking connection's services.)
        """
        conn = self.control()
        try:
            try:
                lines = conn.command(f"ADD_ONION {service_key} Flags=DiscardPK Port=9,127.0.0.1:9")
            except TorNetworkError as exc:
                if "collision" in str(exc).lower():
                    return True
                raise
            conn.command("DEL_ONION " + lines[0].split("=", 1)[1])
            return False
        finally:
            conn.close()

    def publish_detached(self, service_key: str) -> str:
        """Publish `service_key` detached, as an earlier run or another tool might have:
        it outlives this connection until some connection removes it. Returns its address."""
        conn = self.control()
        try:
            lines = conn.command(f"ADD_ONION {service_key} Flags=DiscardPK,Detach Port=80,127.0.0.1:9")
        finally:
            conn.close()
        return lines[0].split("=", 1)[1]

    def stop(self) -> None:
        self.node.stop()

    def __enter__(self) -> StandaloneTor:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
