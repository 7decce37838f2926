"""The notifier port: how the outbox worker hands a message to a chat platform.

Each adapter (console, Slack, Teams) implements :class:`Notifier`. The worker renders the
neutral :class:`~bot.messages.Reply` from the outbox row at delivery time (so a message shows
the incident's current state), calls :meth:`Notifier.deliver`, and records the outcome.
A notifier raises :class:`DeliveryError` on failure; the outbox retries with backoff and
never loses the message.

Each message is sent once where the platform lets us find out: ``Delivery.maybe_sent`` says
an earlier attempt may have reached the platform (it timed out, or its worker died
mid-send), and a notifier that can look (Slack: the DM's history, by message metadata) looks
before sending again. Where a platform gives no way to look (Teams, email), delivery is
at-least-once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.messages import Reply


@dataclass(frozen=True)
class Recipient:
    """A person to notify on one platform, addressed by platform user id (never by name)."""

    platform: str  # "slack" | "teams" | "console"
    address: str  # Slack user id, Teams AAD object id, console user name
    name: str = ""
    person_id: int | None = None


@dataclass(frozen=True)
class Delivery:
    """One message to deliver. ``id`` is the outbox row id: stable across retries."""

    id: int
    recipient: Recipient
    reply: Reply
    update_ref: str | None = None  # platform message ref to update in place; None = new message
    maybe_sent: bool = False  # an earlier attempt may have got through: look before sending


class DeliveryError(Exception):
    """Delivery failed. ``retry_after`` (seconds) honours a platform's rate limit;
    ``permanent`` means retrying cannot help (e.g. unknown user), so it is dead-lettered;
    ``uncertain`` means the message may have been delivered all the same (a timeout);
    ``attempted=False`` means no call was made (the platform is paused), so the attempt
    does not count towards giving up."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        permanent: bool = False,
        uncertain: bool = False,
        attempted: bool = True,
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent
        self.uncertain = uncertain
        self.attempted = attempted


class RenderError(Exception):
    """An outbox row cannot be rendered (unknown kind, or what it is about is gone):
    retrying cannot help, so it is dead-lettered."""


class Notifier(Protocol):
    """Delivers messages on one platform."""

    platform: str

    async def deliver(self, delivery: Delivery) -> str | None:
        """Send (or update in place) and return a platform message ref for later updates."""
        ...
