"""A daily digest round for 50 journalists: 50 OpenPGP-encrypted, padded digests queued and sent over
STARTTLS to a real relay (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from bench.common import Row, scratch_deployment
from securedrop import db
from securedrop.crypto.openpgp import OpenPGP
from securedrop.domain.mail_relay import RelayInput, save_relay
from securedrop.models import Journalist, NotificationRecipient
from securedrop.models.base import utcnow
from securedrop.notifier import Notifier
from tests.functional.smtp_relay import PASSWORD, USERNAME, starttls_relay

JOURNALISTS = 50
ROUNDS = 3
#: A round must fit well inside the worker's one-minute interval.
ROUND_TARGET_S = 30.0


def _public_keys(count: int) -> list[str]:
    """`count` distinct Curve25519 public keys, as journalists would paste them."""
    base = Path(tempfile.mkdtemp(prefix="bench-keys-"))
    try:
        keys = []
        for n in range(count):
            pgp = OpenPGP(base / f"k{n}" / "keys", base / f"k{n}" / "tmp")
            pgp.generate_dev_submission_key()
            keys.append(pgp.export_submission_key())
        return keys
    finally:
        shutil.rmtree(base, ignore_errors=True)


def run() -> list[Row]:
    workdir, settings, services = scratch_deployment("bench-notify-")
    try:
        with starttls_relay(workdir) as relay:
            services = replace(services, settings=settings.with_overrides(smtp_ca_file=str(relay.cert_file)))
            given = RelayInput("127.0.0.1", str(relay.port), "starttls", "sd@newsroom.test", USERNAME, PASSWORD, "0")
            keys = _public_keys(JOURNALISTS)
            with db.unit_of_work(services.sessions) as session:
                save_relay(session, given, settings.journalist_secret_key, lambda _relay: None)
                for n, key in enumerate(keys):
                    # Placeholder credentials: these accounts only receive mail, they never log in.
                    journalist = Journalist(username=f"journalist{n:02d}", passphrase_hash="-", otp_secret="-")  # noqa: S106  # see above
                    session.add(journalist)
                    session.flush()
                    session.add(NotificationRecipient(
                        journalist_id=journalist.id, email=f"j{n:02d}@newsroom.test", pgp_public_key=key,
                        pgp_fingerprint="0" * 40, daily_digest=True, locale="en_US",
                    ))
            notifier = Notifier(services)
            (settings.data_dir / "worker.last-round").touch()  # no stall alert in the way
            samples = []
            day = utcnow().replace(hour=1)
            for n in range(ROUNDS):
                start = time.perf_counter()
                outcome = notifier.run_once(day + timedelta(days=n + 1))
                samples.append(time.perf_counter() - start)
                assert (outcome.digests, outcome.sent, outcome.failed) == (JOURNALISTS, JOURNALISTS, 0), outcome
            assert len(relay.received) == ROUNDS * JOURNALISTS
        services.engine.dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    median = statistics.median(samples)
    note = f"{JOURNALISTS} encrypted digests, one STARTTLS+AUTH connection each, SQLite; median of {ROUNDS}"
    return [
        Row(f"digest round, {JOURNALISTS} journalists", median, "s", f"<= {ROUND_TARGET_S:.0f} s",
            median <= ROUND_TARGET_S, note),
        Row("digest round, per journalist", 1000 * median / JOURNALISTS, "ms", note="queue + encrypt + send"),
    ]


if __name__ == "__main__":
    from bench.common import print_table

    print_table(run())
