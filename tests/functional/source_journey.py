"""Steps of the source journey through the Flask test client, shared by functional tests."""

from __future__ import annotations

import io
import re

from flask.testing import FlaskClient

from tests.conftest import csrf_token

TOR2WEB_CHECK = 'href="fake.onion"'
_CODENAME = re.compile(r'<p class="codename" id="codename" translate="no">([^<]+)</p>')
_TAB = re.compile(r'name="tab_id" value="([^"]+)"')


def generate(client: FlaskClient) -> tuple[str, str]:
    """POST /generate; returns (codename, tab_id)."""
    token = csrf_token(client, "/")
    page = client.post("/generate", data={"csrf_token": token, "tor2web_check": TOR2WEB_CHECK})
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    codename, tab = _CODENAME.search(html), _TAB.search(html)
    assert codename and tab
    return codename.group(1), tab.group(1)


def create(client: FlaskClient) -> str:
    """Generate a codename and create the account; returns the codename."""
    codename, tab_id = generate(client)
    token = csrf_token(client, "/")
    response = client.post("/create", data={"csrf_token": token, "tab_id": tab_id})
    assert response.status_code == 302 and response.headers["Location"].endswith("/lookup")
    return codename


def submit(client: FlaskClient, message: str = "", document: bytes | None = None, filename: str = "doc.txt",
           **extra: str):
    token = csrf_token(client, "/lookup")
    data: dict[str, object] = {"csrf_token": token, "msg": message, **extra}
    if document is not None:
        data["fh"] = (io.BytesIO(document), filename)
    return client.post("/submit", data=data, content_type="multipart/form-data")


def login(client: FlaskClient, codename: str):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"csrf_token": token, "codename": codename})


def logout(client: FlaskClient):
    token = csrf_token(client, "/lookup")
    return client.post("/logout", data={"csrf_token": token})
