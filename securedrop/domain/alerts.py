"""Admin alerts: at most once an hour per condition, to every admin with an address."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from securedrop.crypto.openpgp import OpenPGP
from securedrop.domain.notification_settings import admin_recipients
from securedrop.domain.notification_texts import alert_subject, alert_text
from securedrop.domain.outbox import Draft, queue_for
from securedrop.domain.system_facts import Condition, SystemFacts
from securedrop.models import AlertState, MailRelay
from securedrop.models.base import utcnow

REPEAT_AFTER = timedelta(hours=1)


def _state(session: Session, condition: Condition, now: datetime) -> AlertState:
    row = session.get(AlertState, condition.value)
    if row is None:
        row = AlertState(condition=condition.value, active=False, checked_at=now)
        session.add(row)
    return row


def _queue(
    session: Session, sender: str, pgp: OpenPGP, condition: Condition | None, facts: SystemFacts | None
) -> int:
    recipients = admin_recipients(session)
    at = facts.checked_at if facts is not None else utcnow()
    for recipient in recipients:
        body = alert_text(recipient.locale, condition, facts).encode("utf-8")
        queue_for(session, recipient, "alert", Draft(sender, alert_subject(recipient.locale), body, at), pgp)
    return len(recipients)


def queue_alerts(
    session: Session, relay: MailRelay | None, pgp: OpenPGP, facts: SystemFacts, active: set[Condition]
) -> list[Condition]:
    """Record which conditions hold; queue mail for those not told within the hour.

    Without a relay the states are still recorded (the System page shows them); the
    hour starts once mail can actually be sent. Returns the conditions mailed about.
    """
    now = facts.checked_at
    mailed = []
    for condition in Condition:
        row = _state(session, condition, now)
        row.active, row.checked_at = condition in active, now
        if not row.active or relay is None:
            continue
        if row.last_sent_at is not None and now - row.last_sent_at < REPEAT_AFTER:
            continue
        if _queue(session, relay.sender, pgp, condition, facts):
            row.last_sent_at = now
            mailed.append(condition)
    session.flush()
    return mailed


def queue_test_alert(session: Session, relay: MailRelay, pgp: OpenPGP) -> int:
    """The admin page's "Send test alert": one message to every admin with an address."""
    return _queue(session, relay.sender, pgp, None, None)
