"""Every 4xx/5xx under /api/ as a JSON body; other paths keep the app's own HTML handlers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, request
from werkzeug.exceptions import HTTPException, InternalServerError, default_exceptions

from securedrop.api.v1.responses import json_error

log = logging.getLogger(__name__)

API_PREFIX = "/api/"
GENERIC_500 = InternalServerError.description

Handler = Callable[[Any], Any]
HandlerSpec = dict[int | None, dict[type[Exception], Any]]


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def http_error_body(exc: HTTPException) -> Any:
    code = exc.code or 500
    # A 5xx says nothing specific: no traceback, SQL or path in the body.
    message = GENERIC_500 if code >= 500 else (exc.description or exc.name)
    response = json_error(code, exc.name, message)
    valid = getattr(exc, "valid_methods", None)
    if code == 405 and valid:
        response.headers["Allow"] = ", ".join(valid)
    return response


def _previous_handler(previous: HandlerSpec, exc: BaseException) -> Handler | None:
    """The handler the app had for `exc` before the API was installed, found the way
    Flask finds app-level handlers: by code first, then by class, along the MRO."""
    code = exc.code if isinstance(exc, HTTPException) else None
    for key in (code, None) if code is not None else (None,):
        handlers = previous.get(key, {})
        for cls in type(exc).__mro__:
            if cls in handlers:
                return handlers[cls]  # type: ignore[no-any-return]
    return None


def install(app: Flask) -> None:
    """App-level handlers (blueprint handlers never see routing 404/405), filtered by path.

    Flask picks a handler registered for a code before one registered for a class, so
    one is registered per 4xx/5xx code plus HTTPException and Exception; off /api/ each
    defers to whatever handler the app had before (its HTML pages).
    """
    previous: HandlerSpec = {code: dict(handlers) for code, handlers in app.error_handler_spec[None].items()}

    def handle(exc: Exception) -> Any:
        if is_api_request():
            if isinstance(exc, HTTPException):
                return http_error_body(exc)
            log.exception("unhandled error in the journalist API")
            return json_error(500, "Internal Server Error", GENERIC_500)
        handler = _previous_handler(previous, exc)
        if handler is not None:
            return handler(exc)
        if isinstance(exc, HTTPException):
            return exc  # what Flask does with no handler
        # Not ours and unhandled before: let Flask's own 500 path run (and propagate in tests).
        raise exc

    for code in default_exceptions:
        if code >= 400:
            app.register_error_handler(code, handle)
    app.register_error_handler(HTTPException, handle)
    app.register_error_handler(Exception, handle)
