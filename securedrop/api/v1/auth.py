"""Token authentication, request-size cap and raw-body JSON parsing for API v1."""

from __future__ import annotations

import json
from typing import Any

from flask import request
from werkzeug.exceptions import BadRequest, Forbidden, RequestEntityTooLarge

from securedrop.domain.tokens import InvalidToken, journalist_for_token
from securedrop.models.journalists import Journalist
from securedrop.web.state import current_db, now, request_state

#: The largest request body accepted (an armored reply to two keys of a 100,000-character
#: message is well under 1 MiB); bigger bodies get 413 before anything is read.
MAX_BODY_BYTES = 2 * 1024 * 1024
#: Endpoints reachable without a token.
PUBLIC_ENDPOINTS = {"api_v1.index", "api_v1.token"}
FORBIDDEN_MESSAGE = "Token authentication failed."
MALFORMED = "malformed request"


class ApiForbidden(Forbidden):
    """403 for a missing, malformed, unknown, expired or revoked token (never 401)."""

    description = FORBIDDEN_MESSAGE


def presented_token() -> str | None:
    """`Authorization: Token <t>`: the scheme word exactly, one space, exactly two parts."""
    parts = request.headers.get("Authorization", "").split(" ")
    if len(parts) != 2 or parts[0] != "Token" or not parts[1]:
        return None
    return parts[1]


def before_request() -> None:
    """Cap the body, then require a live token on every endpoint but the index and login."""
    request.max_content_length = MAX_BODY_BYTES
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise RequestEntityTooLarge()
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    token = presented_token()
    if token is None:
        raise ApiForbidden()
    try:
        found = journalist_for_token(current_db(), token, now())
    except InvalidToken as exc:
        raise ApiForbidden() from exc
    state = request_state()
    state.api_journalist, state.api_token = found, token


def journalist() -> Journalist:
    found = request_state().api_journalist
    assert found is not None
    return found


def token() -> str:
    value = request_state().api_token
    assert value is not None
    return value


def json_body(not_json: str = MALFORMED) -> Any:
    """The body parsed from its raw bytes (never request.get_json(): the login request
    carries no Content-Type, and add_star/flag/logout an empty body labelled JSON).

    Raises:
        BadRequest: an empty or unparsable body, with `not_json` as the message.
    """
    raw = request.get_data(cache=True)
    if not raw:
        raise BadRequest(not_json)
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(not_json) from exc
