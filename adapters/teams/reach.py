"""Who Teams notifications cannot reach yet, and why (for admins). No SDK import here.

Teams lets a bot message a person only once the app is installed for them; until then (or
after they remove it) an escalation to them cannot be delivered. This reads the conversation
references kept under ``teams-ref:<aad object id>`` and explains each gap in plain words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.store.conversations import ConversationStore

KEY_PREFIX = "teams-ref:"
NOT_INSTALLED = (
    "the bot has not been installed for them in Teams yet (ask them to open policybot in "
    "Teams once, or install it for them from the Teams admin centre)"
)
NO_TEAMS_ID = "no Teams (Azure AD object) id in the trust directory"


@dataclass(frozen=True)
class Unreachable:
    """A person Teams notifications cannot reach yet, and why."""

    name: str
    aad_object_id: str | None
    reason: str


async def unreachable(
    store: ConversationStore, people: Iterable[tuple[str, str | None]]
) -> list[Unreachable]:
    """Who of ``people`` ((name, AAD object id or None)) Teams cannot reach yet, and why."""
    out: list[Unreachable] = []
    for name, aad in people:
        if not aad:
            out.append(Unreachable(name, None, NO_TEAMS_ID))
            continue
        row = await store.get(f"{KEY_PREFIX}{aad}")
        if row is None:
            out.append(Unreachable(name, aad, NOT_INSTALLED))
        elif row.state.get("blocked"):
            out.append(Unreachable(name, aad, str(row.state["blocked"])))
    return out
