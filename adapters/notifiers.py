"""Build the notifiers the outbox worker delivers through, one per enabled platform."""

from __future__ import annotations

from typing import TextIO

from bot.config import Settings
from bot.notifier import Notifier


def build_notifiers(
    settings: Settings, *, console_stream: TextIO | None = None
) -> dict[str, Notifier]:
    """platform -> Notifier. The console notifier is included when a stream is given."""
    notifiers: dict[str, Notifier] = {}
    if console_stream is not None:
        from adapters.console.notifier import ConsoleNotifier

        notifiers["console"] = ConsoleNotifier(console_stream)
    if settings.slack_enabled:
        from adapters.slack.app import web_client
        from adapters.slack.notifier import SlackNotifier

        notifiers["slack"] = SlackNotifier(web_client(settings))
    from adapters.teams.app import build_teams_notifier

    teams = build_teams_notifier(settings)  # None unless Teams credentials / local mode are set
    if teams is not None:
        notifiers["teams"] = teams
    if settings.smtp is not None:
        from adapters.email.notifier import EmailNotifier

        on = (("Slack", settings.slack_enabled), ("Teams", teams is not None))
        chats = [name for name, enabled in on if enabled]
        open_in = " or ".join(chats) or "the console (policybot chat)"
        notifiers["email"] = EmailNotifier(settings.smtp, open_in=open_in)
    return notifiers
