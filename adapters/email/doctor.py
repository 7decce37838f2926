"""``policybot doctor``'s email checks: the mail server answers (connect, EHLO, login when
configured, NOOP: no mail is sent) and each routed person has an address."""

from __future__ import annotations

from adapters.email.smtp import check
from bot.config import SmtpSettings
from bot.doctor.findings import Finding
from bot.doctor.reach import Reach, RoutedPerson
from bot.emails import is_email_address


async def check_server(smtp: SmtpSettings) -> Finding:
    """Whether the mail server in SMTP_URL takes a connection (nothing is sent)."""
    problem = await check(smtp)
    if problem is None:
        login = f", logged in as {smtp.username}" if smtp.username else ""
        return Finding(
            "ok", f"Mail server {smtp.describe} answers (EHLO, NOOP{login}; nothing sent)."
        )
    return Finding(
        "problem",
        f"Email alerts cannot be sent: {problem}.",
        "Check SMTP_URL (host, port, user, password, smtp:// or smtps://, starttls) against "
        "your mail provider's settings and that this server may connect to it.",
    )


def member_reach(person: RoutedPerson, smtp_ok: bool) -> Reach:
    """Whether an email alert would reach ``person`` today (as far as can be known)."""
    if not person.email:
        return Reach(
            "email",
            "missing",
            "no address",
            f"add an email: address for {person.name} in the trust file and import it again",
        )
    if not is_email_address(person.email):
        return Reach(
            "email",
            "no",
            f"{person.email!r} is not an email address",
            f"Correct {person.name}'s email address in the trust file and import it again.",
        )
    if not smtp_ok:
        return Reach("email", "unknown")
    return Reach("email", "yes")
