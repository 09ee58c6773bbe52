"""Beyond the limit, account creation and codename login answer a translated "busy" page
and change nothing; other pages are served as usual."""

from __future__ import annotations

import threading
from dataclasses import replace

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from securedrop.config import Settings
from securedrop.crypto.derivation import CodenameHasher, SourceSecrets
from securedrop.services import Services
from securedrop.source_app import EXPENSIVE_REQUESTS_PER_WORKER, create_app
from tests.conftest import csrf_token
from tests.functional.source_journey import TOR2WEB_CHECK


class HeldHasher(CodenameHasher):
    """Derives as usual, but only once the test lets it: its request keeps its slot meanwhile."""

    def __init__(self, real: CodenameHasher) -> None:
        self.__dict__.update(real.__dict__)
        self.entered = threading.Semaphore(0)
        self.release = threading.Event()

    def derive(self, codename: str) -> SourceSecrets:
        self.entered.release()
        assert self.release.wait(60)
        return super().derive(codename)


def test_requests_beyond_the_limit_get_a_busy_page(settings: Settings, services: Services) -> None:
    hasher = HeldHasher(services.hasher)
    app = create_app(replace(settings, supported_locales=("en_US", "fr_FR")), replace(services, hasher=hasher))
    app.config["TESTING"] = True
    holders = [app.test_client() for _ in range(EXPENSIVE_REQUESTS_PER_WORKER)]
    held: list[TestResponse] = []

    def hold(client: FlaskClient) -> None:
        token = csrf_token(client, "/")
        held.append(client.post("/generate", data={"csrf_token": token, "tor2web_check": TOR2WEB_CHECK}))

    threads = [threading.Thread(target=hold, args=(client,)) for client in holders]
    for thread in threads:
        thread.start()
    try:
        for _ in holders:
            assert hasher.entered.acquire(timeout=60)
        visitor = app.test_client()
        token = csrf_token(visitor, "/?l=fr_FR")
        busy = visitor.post("/generate", data={"csrf_token": token, "tor2web_check": TOR2WEB_CHECK})
        assert busy.status_code == 503
        assert busy.headers["Retry-After"].isdigit()
        assert "Le serveur est occupé" in busy.text
        assert "Veuillez patienter un instant, puis réessayer." in busy.text
        # The login form is still served; logging in with a codename is what waits.
        assert visitor.get("/login").status_code == 200
        login = visitor.post("/login", data={"csrf_token": token, "codename": "alpha bravo charlie delta"})
        assert login.status_code == 503
        assert visitor.get("/robots.txt").status_code == 200
    finally:
        hasher.release.set()
        for thread in threads:
            thread.join()
    assert [response.status_code for response in held] == [200] * len(holders)
    # Nothing was held back for the visitor: with a free slot it gets a codename.
    again = visitor.post("/generate", data={"csrf_token": token, "tor2web_check": TOR2WEB_CHECK})
    assert again.status_code == 200 and 'name="tab_id"' in again.text
