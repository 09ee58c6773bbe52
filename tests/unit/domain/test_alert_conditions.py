"""Which facts raise which alert condition, at the thresholds the issue sets."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from securedrop.domain.system_facts import Condition, SystemFacts, active_conditions

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
HEALTHY = SystemFacts(
    checked_at=NOW, disk_used_percent=50.0, disk_free_bytes=10 * 2**30, worker_last_round=NOW - timedelta(minutes=1),
    submission_key_fpr="A" * 40, submission_key_problem=None, submission_key_expires=None, onion_published=True,
    onion_checked_at=NOW - timedelta(seconds=30), backup_ok=True, backup_finished_at=NOW - timedelta(hours=8),
    backup_error=None, failed_logins_last_hour=0,
)


def test_a_healthy_system_raises_nothing() -> None:
    assert active_conditions(HEALTHY) == set()


@pytest.mark.parametrize(
    ("changes", "condition", "holds"),
    [
        ({"disk_used_percent": 90.0}, Condition.DISK_FULL, False),
        ({"disk_used_percent": 90.1}, Condition.DISK_FULL, True),
        ({"worker_last_round": NOW - timedelta(minutes=10)}, Condition.WORKER_STALLED, False),
        ({"worker_last_round": NOW - timedelta(minutes=10, seconds=1)}, Condition.WORKER_STALLED, True),
        ({"submission_key_expires": NOW + timedelta(days=31)}, Condition.SUBMISSION_KEY, False),
        ({"submission_key_expires": NOW + timedelta(days=29)}, Condition.SUBMISSION_KEY, True),
        ({"submission_key_problem": "not in the keyring"}, Condition.SUBMISSION_KEY, True),
        ({"onion_published": False}, Condition.ONION_UNPUBLISHED, True),
        ({"onion_checked_at": NOW - timedelta(minutes=6)}, Condition.ONION_UNPUBLISHED, True),
        ({"onion_published": None, "onion_checked_at": None}, Condition.ONION_UNPUBLISHED, False),
        ({"backup_ok": False}, Condition.BACKUP_FAILED, True),
        ({"backup_ok": None}, Condition.BACKUP_FAILED, False),
        ({"failed_logins_last_hour": 20}, Condition.LOGIN_FAILURES, False),
        ({"failed_logins_last_hour": 21}, Condition.LOGIN_FAILURES, True),
    ],
)
def test_each_threshold(changes: dict[str, object], condition: Condition, holds: bool) -> None:
    assert (condition in active_conditions(replace(HEALTHY, **changes))) is holds  # type: ignore[arg-type]  # each case sets fields of their own types


def test_a_worker_that_never_completed_a_round_counts_from_its_start() -> None:
    facts = replace(HEALTHY, worker_last_round=None)
    assert Condition.WORKER_STALLED not in active_conditions(facts, worker_started=NOW - timedelta(minutes=5))
    assert Condition.WORKER_STALLED in active_conditions(facts, worker_started=NOW - timedelta(minutes=11))
