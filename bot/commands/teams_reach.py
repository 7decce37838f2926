"""``policybot teams-reach``: who Teams notifications cannot reach yet, and why.

Lists every person in the trust directory whom an escalation could be sent to in Teams but
who cannot receive it yet (app not installed for them, removed, or no Teams id), so an admin
can install the app for them before a report needs them. Exit code 1 when anyone is listed.
"""

from __future__ import annotations

import argparse
from typing import Any

from bot.commands._runtime import run_with_database
from bot.config import Settings
from bot.store.conversations import ConversationStore
from bot.store.db import Database
from bot.trust.directory import TrustDirectory


async def _report(settings: Settings, database: Database) -> int:
    from adapters.teams.reach import unreachable  # no chat SDK import: plain DB reads

    people = await TrustDirectory(database).people()
    if not people:
        print("No people yet. Load some with: policybot admin import-config FILE")
        return 0
    gaps = await unreachable(
        ConversationStore(database), [(p.name, p.identities.get("teams")) for p in people]
    )
    if not gaps:
        print(f"All {len(people)} people can be reached in Teams.")
        return 0
    print(f"{len(gaps)} of {len(people)} people cannot be reached in Teams yet:")
    for gap in gaps:
        print(f"  - {gap.name}: {gap.reason}")
    return 1


def run(_args: argparse.Namespace) -> int:
    """Print the listing."""
    return run_with_database(_report)


def register(subparsers: Any) -> None:
    """Add the ``teams-reach`` sub-command."""
    parser = subparsers.add_parser(
        "teams-reach", help="who Teams notifications cannot reach yet, and why", description=__doc__
    )
    parser.set_defaults(func=run)
