"""securedrop status: what it reports about a data dir with nothing serving it."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from securedrop import db
from securedrop.config import Settings
from securedrop.onion import load_or_create_service_key
from securedrop.onion.address import address_of_service_key
from securedrop.services import Services
from securedrop.status import collect


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_nothing_serving_is_reported_unhealthy(settings: Settings, services: Services, tmp_path: Path) -> None:
    db.upgrade(settings.database_url)
    source_key = load_or_create_service_key(settings.onion_dir / "source.key")
    ports = (_closed_port(), _closed_port())
    report = collect(settings, str(tmp_path / "no-such-control-socket"), ports)
    text = report.render()
    assert not report.healthy
    assert f"http://{address_of_service_key(source_key)}.onion/  NOT published" in text
    assert "cannot reach tor's control socket" in text
    assert f"does NOT answer on 127.0.0.1:{ports[0]}" in text
    assert "(usable)" in text
    assert "0 sources, 0 submissions, 0 replies" in text


def test_a_running_source_app_with_the_onion_counts_as_published(settings: Settings, services: Services,
                                                                   tmp_path: Path) -> None:
    db.upgrade(settings.database_url)
    address = address_of_service_key(load_or_create_service_key(settings.onion_dir / "source.key"))

    class Metadata(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 -- the name http.server dispatches to
            body = f'{{"v3_source_url": "{address}.onion"}}'.encode()
            self.send_response(200)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Metadata)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        report = collect(settings, str(tmp_path / "none"), (server.server_port, _closed_port()))
    finally:
        server.shutdown()
        server.server_close()
    assert f"http://{address}.onion/  published" in report.render()
