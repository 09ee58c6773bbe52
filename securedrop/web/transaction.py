"""The request's unit of work, and the one exception to it, both decided at this boundary.

The rule: every request has one database transaction, opened on first use (state.current_db)
and committed here when the response succeeds (status < 400), rolled back otherwise, so a
refused request changes nothing.

The one exception: some facts must outlive a refusal — a failed login's attempt record and
the two-factor code it consumed, or the throttle and the replay check would mean nothing.
Such work runs in `recorded_even_if_refused()`, a unit of work of its own that commits
when its block ends, whether the block returns or the domain refuses (DomainError).
Nothing else commits by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, Response
from sqlalchemy.orm import Session

from securedrop import db
from securedrop.domain import DomainError
from securedrop.web.state import finished_request_state, request_state, services


def install(app: Flask) -> None:
    @app.after_request
    def _finish(response: Response) -> Response:
        state = request_state()
        session, state.db_session = state.db_session, None
        if session is not None:
            try:
                if response.status_code < 400:
                    db.commit(session)
                else:
                    db.rollback(session)
            finally:
                session.close()
        return response

    @app.teardown_request
    def _close(_exc: BaseException | None) -> None:
        state = finished_request_state()
        if state is not None and state.db_session is not None:
            db.rollback(state.db_session)
            state.db_session.close()


@contextmanager
def recorded_even_if_refused() -> Iterator[Session]:
    """A separate unit of work for what must be recorded although the request fails.

    Committed when the block returns or raises a DomainError (the refusal is re-raised
    for the view to answer); rolled back on any other error.
    """
    session = services().sessions()
    try:
        yield session
    except DomainError:
        db.commit(session)
        raise
    except BaseException:
        db.rollback(session)
        raise
    else:
        db.commit(session)
    finally:
        session.close()
