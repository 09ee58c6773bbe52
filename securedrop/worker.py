"""Background jobs: empty the shredder, purge expired sessions, abandoned pending sources and stale tmp/."""

from __future__ import annotations

import logging
import threading

from securedrop import db
from securedrop.crypto import gpghomes
from securedrop.domain import retention
from securedrop.domain.login_throttle import purge_idle
from securedrop.domain.sources import purge_pending_sources
from securedrop.domain.system_facts import WORKER_STAMP
from securedrop.models.base import utcnow
from securedrop.notifier import Notifier
from securedrop.services import Services
from securedrop.storage.shredder import SHRED_PASSES, empty_shredder
from securedrop.storage.sweep import sweep_tmp
from securedrop.web.sessions import ServerSessionInterface

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 60


def run_once(services: Services, passes: int = SHRED_PASSES) -> int:
    """One round of every job. Returns the number of files shredded."""
    with db.unit_of_work(services.sessions) as session:
        ServerSessionInterface.purge_expired(session)
        purge_idle(session, utcnow())  # login throttle records past their window
        purged = purge_pending_sources(session, services.store, utcnow())
        expired = retention.expire_sources(session, services.store, utcnow())
    if expired:
        log.info("deleted %d sources past the retention period", expired)
    if purged:
        log.info("deleted %d sources that never submitted anything", purged)
    swept = sweep_tmp(services.settings.tmp_dir, services.store.shredder, passes=passes)
    if swept:
        log.info("securely removed %d stale entries of tmp/ (left by a crash)", swept)
    # Commits that deleted rows truncate the WAL themselves; this catches one whose
    # checkpoint was kept from finishing by readers at the time.
    db.wipe_wal(services.engine)
    # A web worker killed mid-login leaves its gpg home and agent; a restarted worker
    # sweeps at start, this catches the ones no restart followed.
    gpghomes.sweep(services.pgp.homes_dir)
    shredded = empty_shredder(services.store.shredder, passes)
    (services.settings.data_dir / WORKER_STAMP).touch()  # the stall alert and `status` read it
    return shredded


def run_forever(services: Services, stop: threading.Event, interval: float = INTERVAL_SECONDS) -> None:
    # Mail runs beside the jobs: it must notice (and report) when a round stalls.
    threading.Thread(target=Notifier(services).run_forever, args=(stop,), daemon=True).start()
    while not stop.is_set():
        try:
            shredded = run_once(services)
            if shredded:
                log.info("securely deleted %d files", shredded)
        except Exception:  # a failed round must not stop the next one
            log.exception("background job round failed")
        stop.wait(interval)
