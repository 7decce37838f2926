"""The email notifier: delivers outbox rows on platform ``email`` through SMTP.

Each delivery is one connection and one message (alerts are few; a fresh connection is the
simplest thing that survives a mail server restart). Returns the Message-ID as the ref, so
an update to the alert is sent as a reply in the same thread.
"""

from __future__ import annotations

import logging

from adapters.email.message import build_email
from adapters.email.smtp import client, delivery_error
from bot.config import SmtpSettings
from bot.notifier import Delivery, DeliveryError

log = logging.getLogger(__name__)


class EmailNotifier:
    """Delivers outbox messages by email to ``Recipient.address``."""

    platform = "email"

    def __init__(self, smtp: SmtpSettings, *, open_in: str = "Slack or Teams") -> None:
        self.smtp = smtp
        self.open_in = open_in  # where people act on an alert, named in the email

    async def deliver(self, delivery: Delivery) -> str | None:
        """Send the alert; returns its Message-ID. Raises DeliveryError on failure."""
        message = build_email(delivery, self.smtp.from_address, self.open_in)
        try:
            async with client(self.smtp) as conn:
                await conn.send_message(message)
        except DeliveryError:
            raise
        except Exception as exc:  # mapped: permanent (5xx recipient) or retried
            error = delivery_error(exc, self.smtp)
            log.warning(
                "email delivery %s failed: %s (permanent=%s)",
                delivery.id,
                type(exc).__name__,
                error.permanent,
            )
            raise error from None
        return str(message["Message-ID"])
