"""One database transaction per request: committed when the response succeeds."""

from __future__ import annotations

from flask import Flask, Response, g
from sqlalchemy.orm import Session, sessionmaker

from securedrop import db


def install(app: Flask, factory: sessionmaker[Session]) -> None:
    @app.after_request
    def _finish(response: Response) -> Response:
        session: Session | None = g.pop("db_session", None)
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
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            db.rollback(session)
            session.close()

    app.extensions["securedrop.session_factory"] = factory


def current_db() -> Session:
    """The request's session, opened on first use."""
    session: Session | None = g.get("db_session")
    if session is None:
        from flask import current_app

        session = current_app.extensions["securedrop.session_factory"]()
        g.db_session = session
    return session
