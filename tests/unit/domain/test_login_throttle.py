"""The login throttle under concurrency, on SQLite and PostgreSQL: 40 at once, 5 checked."""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from securedrop import db
from securedrop.crypto import otp
from securedrop.domain import authentication as auth
from securedrop.domain import journalists as accounts
from securedrop.services import Services
from tests.functional.journalist_journey import PASSPHRASE

CONCURRENT = 40


@pytest.fixture
def username(services: Services) -> str:
    with db.unit_of_work(services.sessions) as session:
        accounts.create_journalist(
            session,
            accounts.NewAccount("tester", PASSPHRASE, PASSPHRASE, accounts.TwoFactor(otp.new_totp_secret(), True)),
        )
    return "tester"


def _attempt_all_at_once(services: Services, username: str) -> list[str]:
    """Each thread makes one wrong-code attempt in its own unit of work, as the web does."""
    now = datetime.now(UTC)
    throttle = auth.LoginThrottle(secrets.token_bytes(32))
    # One connection per attempt, as 40 busy server threads would hold: the app's pool
    # (5 + 10) would queue most of them and time some out before the throttle is reached.
    url = services.settings.database_url
    engine = create_engine(url, poolclass=NullPool,
                           connect_args={"timeout": 60} if url.startswith("sqlite") else {})
    factory = db.make_session_factory(engine)
    start = threading.Barrier(CONCURRENT)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt() -> None:
        session = factory()
        try:
            start.wait()
            try:
                auth.authenticate(session, auth.LoginRequest(username, PASSPHRASE, "000000"), throttle, now)
                outcome = "accepted"
            except auth.LoginThrottled:
                outcome = "throttled"
            except auth.LoginFailed:
                outcome = "checked"  # got as far as the code check
            db.commit(session)
        except Exception as exc:  # noqa: BLE001  # any other failure is reported as an outcome
            outcome = f"error: {type(exc).__name__}: {exc}"
            db.rollback(session)
        finally:
            session.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt) for _ in range(CONCURRENT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    return outcomes


@pytest.mark.parametrize("who", ["known", "unknown"])
def test_forty_concurrent_wrong_codes_get_exactly_five_checks(services: Services, username: str, who: str) -> None:
    name = username if who == "known" else "nobody-here"
    outcomes = _attempt_all_at_once(services, name)
    assert sorted(set(outcomes)) == ["checked", "throttled"], outcomes
    assert outcomes.count("checked") == auth.THROTTLE_MAX_ATTEMPTS
    assert outcomes.count("throttled") == CONCURRENT - auth.THROTTLE_MAX_ATTEMPTS
