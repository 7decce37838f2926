"""``policybot chat``: talk to the bot in the terminal (the console adapter)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.config import ConfigError, load_settings

EXAMPLE_TRUST = Path(__file__).resolve().parents[2] / "config" / "trust.example.yaml"


def register(sub: Any) -> None:
    """Add the ``chat`` sub-command."""
    p = sub.add_parser(
        "chat",
        help="chat with the bot in this terminal (no chat platform needed)",
        description="Ask policy questions and make reports in the terminal. Type 'help' for "
        "commands, a button's number to press it, /quit to leave.",
    )
    p.add_argument(
        "--as",
        dest="as_user",
        help="who you are: a console name from the trust set-up "
        "(default: $POLICYBOT_USER or your login)",
    )
    p.set_defaults(func=run)


def _default_user() -> str:
    return os.environ.get("POLICYBOT_USER") or getpass.getuser() or "staff"


def run(args: argparse.Namespace) -> int:
    """Open the console chat."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    return asyncio.run(_chat(settings, args.as_user or _default_user()))


async def _chat(settings: Any, user: str) -> int:
    from adapters.console.chat import ConsoleChat
    from adapters.console.notifier import ConsoleNotifier
    from bot.app import PolicyBot
    from bot.messages import Actor
    from bot.outbox.worker import OutboxWorker

    notes: list[str] = []
    if settings.trust_config is None and EXAMPLE_TRUST.is_file():
        settings = replace(settings, trust_config=EXAMPLE_TRUST)
        notes.append(
            f"Using the example trust set-up ({EXAMPLE_TRUST.name}); set TRUST_CONFIG to use yours."
        )
    bot = await PolicyBot.create(settings, platforms={"console"})
    try:
        actor = Actor("console", user, user)
        person = await bot.incidents.person_for(actor)
        worker = OutboxWorker(bot.database, {"console": ConsoleNotifier(sys.stdout)}, bot.clock)

        async def deliver() -> None:
            await bot.incidents.run_due_reminders()
            await bot.campaigns.service.run_due()
            await bot.accounts.service.run_due()
            await worker.run_once()

        who = f"{person.name}" if person is not None else f"'{user}' (not in the trust set-up)"
        print(
            "policybot: ask about the Social Media Policy, or type 'report'. "
            "'help' for more, /quit to leave."
        )
        print(f"You are chatting as {who}. Use --as NAME to be someone else.")
        for note in notes:
            print(note)
        chat = ConsoleChat(bot, actor, deliver=deliver)
        await deliver()
        return await chat.run()
    finally:
        await bot.close()
