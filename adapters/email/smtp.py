"""The SMTP connection (aiosmtplib) and what its errors mean for the outbox.

Both the email notifier and ``policybot doctor`` connect here. Errors become
:class:`~bot.notifier.DeliveryError`: a recipient refused with a 5xx code (no such mailbox)
or a 5xx answer to the message itself cannot be fixed by retrying (permanent: dead letter);
4xx answers, a refused or dropped connection, timeouts and login problems (fixable in the
settings) are retried with backoff. Errors name the server's code, never the message.
"""

from __future__ import annotations

import aiosmtplib

from bot.config import SmtpSettings
from bot.notifier import DeliveryError


def client(smtp: SmtpSettings) -> aiosmtplib.SMTP:
    """An unconnected client for the settings (``async with`` it to connect and log in)."""
    return aiosmtplib.SMTP(
        hostname=smtp.host,
        port=smtp.port,
        username=smtp.username,
        password=smtp.password,
        use_tls=smtp.use_tls,
        start_tls=smtp.start_tls,
        timeout=smtp.timeout,
    )


def _short(message: str) -> str:
    return " ".join(str(message).split())[:200]


def delivery_error(exc: Exception, smtp: SmtpSettings) -> DeliveryError:
    """What an aiosmtplib (or network) error means: permanent or to be retried."""
    where = smtp.describe
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        permanent = bool(codes) and all(code >= 500 for code in codes)
        first = exc.recipients[0] if exc.recipients else None
        said = f"{first.code} {_short(first.message)}" if first else "refused"
        return DeliveryError(f"the mail server refused the recipient ({said})", permanent=permanent)
    if isinstance(exc, aiosmtplib.SMTPRecipientRefused):
        return DeliveryError(
            f"the mail server refused the recipient ({exc.code} {_short(exc.message)})",
            permanent=exc.code >= 500,
        )
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return DeliveryError(
            f"{where} did not accept the login ({exc.code}): check the user and password "
            "in SMTP_URL"
        )
    if isinstance(exc, aiosmtplib.SMTPSenderRefused):
        return DeliveryError(
            f"{where} refused the sender ({exc.code} {_short(exc.message)}): check SMTP_FROM"
        )
    if isinstance(exc, aiosmtplib.SMTPDataError):
        return DeliveryError(
            f"the mail server refused the message ({exc.code} {_short(exc.message)})",
            permanent=exc.code >= 500,
        )
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return DeliveryError(f"{where} answered {exc.code} {_short(exc.message)}")
    if isinstance(exc, aiosmtplib.SMTPTimeoutError | TimeoutError):
        return DeliveryError(f"{where} did not answer in time")
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        return DeliveryError(f"{where}: {_short(str(exc))} (check starttls in SMTP_URL)")
    if isinstance(exc, aiosmtplib.SMTPException | OSError):
        return DeliveryError(f"{where} could not be reached ({_short(str(exc)) or 'no answer'})")
    return DeliveryError(f"{where}: {type(exc).__name__}")


async def check(smtp: SmtpSettings) -> str | None:
    """Connect, EHLO, log in if configured and NOOP; sends nothing. None = fine, else why not."""
    try:
        async with client(smtp) as conn:
            await conn.noop()
    except Exception as exc:  # every failure is reported to the admin, never raised
        return str(delivery_error(exc, smtp))
    return None
