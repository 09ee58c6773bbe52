"""What digests and alerts say, in the recipient's language (catalog strings, no request needed)."""

from __future__ import annotations

from securedrop.domain.system_facts import Condition, SystemFacts
from securedrop.mail.catalogs import translations


def digest_subject(locale: str) -> str:
    return translations(locale).gettext("SecureDrop daily digest")


def digest_text(locale: str, new_submissions: bool, retention_warning: bool = False) -> str:
    """The whole digest: one fixed sentence, and the retention line when it applies.

    No designations, counts or content: the mail provider may read what is not encrypted.
    """
    t = translations(locale)
    lines = [
        t.gettext("There were new submissions in the last 24 hours.")
        if new_submissions
        else t.gettext("There were no new submissions in the last 24 hours.")
    ]
    if retention_warning:
        lines.append(t.gettext("Some sources will be deleted within 7 days."))
    lines.append(t.gettext("Log in to the journalist interface to read them; this message holds nothing else."))
    return "\n\n".join(lines)


def alert_subject(locale: str) -> str:
    return translations(locale).gettext("SecureDrop alert")


def _condition_line(locale: str, condition: Condition, facts: SystemFacts) -> str:
    t = translations(locale)
    if condition is Condition.DISK_FULL:
        return t.gettext("The data directory is %(percent)d%% full.") % {"percent": int(facts.disk_used_percent)}
    if condition is Condition.WORKER_STALLED:
        return t.gettext("The background worker has not completed a round for more than 10 minutes.")
    if condition is Condition.ONION_UNPUBLISHED:
        return t.gettext("An onion service is no longer published: check tor and securedrop serve.")
    if condition is Condition.SUBMISSION_KEY:
        if facts.submission_key_problem is not None:
            return t.gettext("The submission key is missing or unusable.")
        return t.gettext("The submission key expires within 30 days.")
    if condition is Condition.BACKUP_FAILED:
        return t.gettext("The last nightly backup failed.")
    return t.gettext("More than 20 journalist logins failed in the last hour.")


def alert_text(locale: str, condition: Condition | None, facts: SystemFacts | None) -> str:
    """One condition's alert, or (condition None) the test alert an admin asked for."""
    t = translations(locale)
    if condition is None or facts is None:
        first = t.gettext("This is a test alert sent from the admin interface. Mail alerts work.")
    else:
        first = _condition_line(locale, condition, facts)
    return first + "\n\n" + t.gettext("See the System page of the journalist interface for details.")
