"""Development data: the demo journalist and demo sources `make dev` seeds once."""

from __future__ import annotations

import io

from sqlalchemy import select
from sqlalchemy.orm import Session

from securedrop.crypto import passwords
from securedrop.crypto.codenames import generate_codename
from securedrop.domain.instance import current_config
from securedrop.domain.sources import create_source
from securedrop.domain.submissions import Upload
from securedrop.models import Journalist
from securedrop.services import Services

#: SecureDrop's own dev credentials, so existing tooling works unchanged.
DEV_USERNAME = "journalist"
DEV_PASSPHRASE = "correct horse battery staple profanity oil chewy"  # noqa: S105 (published dev value)
DEV_TOTP_SECRET = "JHCOGO7VCER3EJ4L"  # noqa: S105 (published dev value)


def seed_journalist(session: Session) -> Journalist:
    existing = session.scalar(select(Journalist).where(Journalist.username == DEV_USERNAME))
    if existing is not None:
        return existing
    journalist = Journalist(
        username=DEV_USERNAME,
        first_name="Dev",
        last_name="Journalist",
        passphrase_hash=passwords.hash_passphrase(DEV_PASSPHRASE),
        is_admin=True,
        otp_secret=DEV_TOTP_SECRET,
        is_totp=True,
    )
    session.add(journalist)
    session.flush()
    return journalist


def seed_sources(session: Session, services: Services, journalist: Journalist, count: int) -> list[str]:
    """Create `count` sources, each with a message, a document and a reply.

    Returns their codenames, which exist only in this return value: they are printed
    once for the developer and never written anywhere.
    """
    submissions = services.submissions(session, current_config(session))
    replies = services.replies(session)
    codenames = []
    for number in range(1, count + 1):
        codename = generate_codename("en")
        source = create_source(session, services.pgp, services.hasher.derive(codename))
        document = f"Demo document {number}: quarterly figures nobody was meant to see.\n" * 20
        submissions.submit(
            source,
            f"Hello, this is demo source {number}. I have documents about the budget.",
            Upload(io.BytesIO(document.encode()), f"figures-{number}.txt", len(document)),
        )
        replies.send(
            source,
            journalist,
            f"Thank you, demo source {number}. We are looking into it.",
        )
        codenames.append(codename)
    return codenames
