"""Waiting for an onion service's descriptor to reach the HSDirs, on a control connection of the test's own.

Production never needs to know when a descriptor is uploaded, so securedrop.onion
has no event listener; the Tor tests do (a client can reach a service only after
that), and watch tor's HS_DESC events here through stem's public API.
"""

from __future__ import annotations

import threading
from types import TracebackType

import stem.control
import stem.response.events

from securedrop.onion import normalize_onion_address
from tests.tor.network import LOOPBACK


class DescriptorUploads:
    """Counts the descriptors HSDirs accepted, per onion address, since it was opened.

    Open it before publishing or republishing: tor reports uploads to every
    control connection that asked for HS_DESC events, whoever published the
    service, but only from the moment it asked.
    """

    def __init__(self, control_port: int, password: str | None = None) -> None:
        self._controller = stem.control.Controller.from_port(address=LOOPBACK, port=control_port)
        self._uploads: dict[str, int] = {}
        self._changed = threading.Condition()
        try:
            self._controller.authenticate(password=password)
            self._controller.add_event_listener(self._on_hs_desc, stem.control.EventType.HS_DESC)
        except BaseException:
            self._controller.close()
            raise

    def _on_hs_desc(self, event: stem.response.events.HSDescEvent) -> None:
        if event.action == "UPLOADED" and event.address:
            with self._changed:
                address = str(event.address)
                self._uploads[address] = self._uploads.get(address, 0) + 1
                self._changed.notify_all()

    def wait(self, address: str, timeout: float = 60.0, uploads: int = 1) -> bool:
        """Whether `uploads` descriptors for `address` were accepted within `timeout`
        seconds of opening this watcher. Never true with DisableNetwork."""
        target = normalize_onion_address(address)
        with self._changed:
            return self._changed.wait_for(lambda: self._uploads.get(target, 0) >= uploads, timeout=timeout)

    def close(self) -> None:
        self._controller.close()

    def __enter__(self) -> DescriptorUploads:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
