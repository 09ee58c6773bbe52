"""Stored-file downloads with single byte ranges (206/416), for the API and the journalist pages.

Clients resume an interrupted download with `Range: bytes=N-` and verify the whole file
against the ETag (the SHA-256 recorded when the file was written). Answering such a
request with the whole file would corrupt the resumed copy, so anything this helper
cannot answer exactly (several ranges, a malformed header, a start past the end) is a
416, never a 200 with the full body.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from flask import Response, request, send_file
from werkzeug.exceptions import RequestedRangeNotSatisfiable

CHUNK = 64 * 1024
SINGLE_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def _range(header: str, size: int) -> tuple[int, int]:
    """The first and last byte `header` asks for, clamped to the file.

    Raises:
        RequestedRangeNotSatisfiable: multi-range, malformed, or starting past the end.
    """
    match = SINGLE_RANGE.fullmatch(header.replace(" ", ""))
    if match is None or not (match.group(1) or match.group(2)):
        raise RequestedRangeNotSatisfiable(length=size, description="only one byte range, bytes=N-, N-M or -N")
    first, last = match.group(1), match.group(2)
    if not first:  # a suffix: the last N bytes
        count = int(last)
        if count == 0 or size == 0:
            raise RequestedRangeNotSatisfiable(length=size)
        return max(0, size - count), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        raise RequestedRangeNotSatisfiable(length=size)
    return start, end


def _stream(handle: BinaryIO, start: int, length: int) -> Iterator[bytes]:
    with handle:
        handle.seek(start)
        while length > 0:
            block = handle.read(min(CHUNK, length))
            if not block:
                return
            length -= len(block)
            yield block


def _applies(etag: str) -> bool:
    """An `If-Range` naming another version means "send it whole" (RFC 9110 §13.1.5)."""
    condition = request.headers.get("If-Range")
    return condition is None or condition.strip().removeprefix("W/").strip('"') == etag.strip('"')


def file_response(path: Path, download_name: str, mimetype: str, etag_header: tuple[str, str]) -> Response:
    """The stored file, whole (200) or the one range asked for (206), with `Accept-Ranges`
    and the given ETag header (its name and value: v1 clients read exactly `Etag`).

    Raises:
        RequestedRangeNotSatisfiable: a Range this helper refuses (see the module).
    """
    name, etag = etag_header
    wanted = request.headers.get("Range")
    if wanted is None or not _applies(etag):
        response = send_file(path, mimetype=mimetype, as_attachment=True, download_name=download_name,
                             etag=False, conditional=False, max_age=None)
    else:
        size = path.stat().st_size
        start, end = _range(wanted, size)
        response = Response(_stream(path.open("rb"), start, end - start + 1), status=206, mimetype=mimetype)
        response.headers.set("Content-Disposition", "attachment", filename=download_name)
        response.headers["Content-Length"] = str(end - start + 1)
        response.headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    response.headers["Accept-Ranges"] = "bytes"
    response.headers[name] = etag
    response.headers.pop("Last-Modified", None)
    return response
