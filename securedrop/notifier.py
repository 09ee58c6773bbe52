"""The worker's mail round: check the alert conditions, queue the daily digest, send what is due."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime

from securedrop import db
from securedrop.domain import outbox
from securedrop.domain.alerts import queue_alerts
from securedrop.domain.digest import digest_due, queue_digests, retention_warning_due
from securedrop.domain.mail_relay import PasswordUnreadable, as_relay, current_relay
from securedrop.domain.system_facts import active_conditions, gather
from securedrop.mail import MailError
from securedrop.mail.transport import SEND_TIMEOUT_SECONDS, Relay, send
from securedrop.models.base import utcnow
from securedrop.services import Services

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 60


@dataclass
class RoundOutcome:
    digests: int = 0
    alerts: list[str] = field(default_factory=list)
    sent: int = 0
    failed: int = 0


@dataclass
class Notifier:
    """Runs in its own thread of the worker, so a worker round stuck on a large shred is
    still noticed and reported (the stall alert comes from here)."""

    services: Services
    started: datetime = field(default_factory=utcnow)
    send_timeout: float = SEND_TIMEOUT_SECONDS

    def run_once(self, now: datetime | None = None) -> RoundOutcome:
        now = now or utcnow()
        settings = self.services.settings
        outcome = RoundOutcome()
        relay: Relay | None = None
        # Queueing happens in one transaction; sending happens outside any, so a slow
        # relay never holds the database (SQLite's write lock) while the apps need it.
        with db.unit_of_work(self.services.sessions) as session:
            facts = gather(session, settings.data_dir, self.services.pgp, now)
            row = current_relay(session)
            # Digests first: they are encrypted before this transaction writes anything.
            if row is not None and digest_due(row, now):
                outcome.digests = queue_digests(
                    session, row, self.services.pgp, now, retention_warning_due(session, now)
                )
            outcome.alerts = [c.value for c in queue_alerts(
                session, row, self.services.pgp, facts, active_conditions(facts, self.started)
            )]
            outbox.prune(session, now)
            pending = outbox.due(session, now)
            if row is not None:
                try:
                    relay = as_relay(row, settings.journalist_secret_key, settings.smtp_ca_file)
                except PasswordUnreadable:
                    log.error("the mail relay password cannot be unsealed; enter it again on the mail settings page")
        if relay is None:
            return outcome
        for item in pending:
            error = None
            try:
                send(relay, item.message, item.recipient, self.send_timeout)
            except MailError as exc:
                error = str(exc)
                log.warning("mail to a notification address failed: %s", exc)
            with db.unit_of_work(self.services.sessions) as session:
                outbox.record_outcome(session, item.id, error, now)
            outcome.sent += error is None
            outcome.failed += error is not None
        return outcome

    def run_forever(self, stop: threading.Event, interval: float = INTERVAL_SECONDS) -> None:
        while not stop.is_set():
            try:
                self.run_once()
            except Exception:  # a failed round must not stop the next one
                log.exception("notification round failed")
            stop.wait(interval)
