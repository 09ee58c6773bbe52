"""Steps of the source journey, through the Flask test client or over HTTP to a live server (tests, bench)."""

from __future__ import annotations

import io
import re
import secrets
from collections.abc import Iterable, Iterator

import requests
from flask.testing import FlaskClient

from tests.conftest import csrf_from, csrf_token

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


# -- over HTTP, to gunicorn or an onion service -------------------------------------------
def csrf_over_http(http: requests.Session, url: str, timeout: float = 60) -> str:
    """GET `url`; the CSRF token of its form."""
    page = http.get(url, timeout=timeout)
    page.raise_for_status()
    return csrf_from(page.text, url)


def generate_and_create_over_http(http: requests.Session, base: str, token: str, timeout: float = 60) -> None:
    """POST /generate then /create with `token`, a CSRF token `http` fetched beforehand."""
    page = http.post(base + "/generate", data={"csrf_token": token, "tor2web_check": TOR2WEB_CHECK},
                     timeout=timeout)
    assert page.status_code == 200, f"/generate answered {page.status_code}"
    tab = _TAB.search(page.text)
    assert tab, "no tab_id on the codename page"
    created = http.post(base + "/create", data={"csrf_token": token, "tab_id": tab.group(1)}, timeout=timeout,
                        allow_redirects=False)
    assert created.status_code == 302 and created.headers.get("Location", "").endswith("/lookup"), (
        f"/create answered {created.status_code}")


def new_source_over_http(base: str, http: requests.Session | None = None, timeout: float = 60) -> requests.Session:
    """generate + create over HTTP; returns the session (a new one unless given), logged in as the source."""
    http = http or requests.Session()
    generate_and_create_over_http(http, base, csrf_over_http(http, base + "/", timeout), timeout)
    return http


class StreamingMultipart:
    """A multipart/form-data body of form fields and one file, yielded in chunks, with a known length.

    requests sends an iterable with `__len__` as a streamed body with a Content-Length,
    as a browser streams a file input; neither side holds the whole body in memory.
    """

    def __init__(self, fields: dict[str, str], file_field: str, filename: str,
                 document: Iterable[bytes], document_size: int) -> None:
        self.boundary = "----securedrop-test-" + secrets.token_hex(12)
        head = b"".join(
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in fields.items()
        )
        head += (
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        self.head = head
        self.tail = f"\r\n--{self.boundary}--\r\n".encode()
        self.document = document
        self.length = len(head) + document_size + len(self.tail)

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return self.length

    def __iter__(self) -> Iterator[bytes]:
        yield self.head
        yield from self.document
        yield self.tail
