"""The JSON bodies of API errors: every 4xx/5xx under /api/ is answered with one."""

from __future__ import annotations

import logging
from typing import Any

from flask import request
from werkzeug.exceptions import HTTPException, InternalServerError

from securedrop.api.v1.responses import json_error
from securedrop.web.headers import error_headers

log = logging.getLogger(__name__)

API_PREFIX = "/api/"
GENERIC_500 = InternalServerError.description


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def http_error_body(exc: HTTPException) -> Any:
    code = exc.code or 500
    # A 5xx says nothing specific: no traceback, SQL or path in the body.
    message = GENERIC_500 if code >= 500 else (exc.description or exc.name)
    response = json_error(code, exc.name, message)
    response.headers.update(error_headers(exc))
    return response


def error_response(exc: Exception) -> Any:
    """The JSON answer to any error under /api/ (the journalist app's handlers call it)."""
    if isinstance(exc, HTTPException):
        return http_error_body(exc)
    log.exception("unhandled error in the journalist API")
    return json_error(500, "Internal Server Error", GENERIC_500)
