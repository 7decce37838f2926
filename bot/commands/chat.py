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
        help="who you are: a console name from the trust set-up (default: $POLICYBOT_USER; "
        "with the example trust, tom, a teacher; else your login)",
    )
    p.set_defaults(func=run)


def _default_user() -> str:
    """$POLICYBOT_USER, else ``tom`` (a teacher) when the example trust is in use, else the
    OS login."""
    if os.environ.get("POLICYBOT_USER"):
        return os.environ["POLICYBOT_USER"]
    if not os.environ.get("TRUST_CONFIG") and EXAMPLE_TRUST.is_file():
        return "tom"
    return getpass.getuser() or "staff"


def _log_to_file(level: str) -> Path | None:
    """Log JSON lines to var/chat.log, not into the conversation (None if not writable)."""
    from adapters.server.logging import configure_logging

    path = Path.cwd() / "var" / "chat.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        stream = path.open("a", encoding="utf-8")
    except OSError:
        configure_logging("ERROR")
        return None
    configure_logging(level, stream=stream)
    return path


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
    from bot.delivery.worker import OutboxWorker
    from bot.messages import Actor

    notes: list[str] = []
    if settings.trust_config is None and EXAMPLE_TRUST.is_file():
        settings = replace(settings, trust_config=EXAMPLE_TRUST)
        notes.append(
            f"Using the example trust set-up ({EXAMPLE_TRUST.name}); set TRUST_CONFIG to use yours."
        )
    log_file = _log_to_file(settings.log_level)
    bot = await PolicyBot.create(settings, platforms={"console"})
    try:
        actor = Actor("console", user, user)
        person = await bot.incidents.person_for(actor)
        chat = ConsoleChat(bot, actor, deliver=lambda: deliver())
        notifier = ConsoleNotifier(sys.stdout, board=chat)
        worker = OutboxWorker(bot.database, {"console": notifier}, bot.clock)

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
        if person is None and settings.trust_config == EXAMPLE_TRUST:
            print(
                "The example trust's people: --as tom (a teacher), --as jane (Headteacher), "
                "--as omar (DSL), all at Oakfield Academy."
            )
        for note in notes:
            print(note)
        if log_file is not None:
            print(f"Log lines go to {log_file}.")
        await deliver()
        return await chat.run()
    finally:
        await bot.close()
