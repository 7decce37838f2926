"""``policybot doctor``'s Teams checks: the bot's Azure credentials get a Bot Framework token
(through the Agents SDK's own MSAL auth, as a proactive message would), and each routed
person has a conversation policybot may use (:mod:`adapters.teams.reach`)."""

from __future__ import annotations

import asyncio

from adapters.teams.auth import TeamsAuth
from adapters.teams.reach import NO_TEAMS_ID, NOT_INSTALLED, unreachable
from bot.doctor.findings import Finding
from bot.doctor.reach import Reach, RoutedPerson
from bot.store.conversations import ConversationStore

#: the audience and scope the SDK uses for the Bot Framework connector
BOT_FRAMEWORK = "https://api.botframework.com"
TIMEOUT = 30.0


async def check_credentials(auth: TeamsAuth) -> Finding:
    """Acquire a token with the configured credentials (local mode has none to check)."""
    if auth.local_mode:
        return Finding(
            "note",
            "Teams is in local mode (TEAMS_LOCAL_MODE=true): no Azure credentials to check and "
            "/api/messages accepts unauthenticated requests. For a developer's machine only.",
        )
    try:
        provider = auth.connection_manager().get_default_connection()
        await asyncio.wait_for(
            provider.get_access_token(BOT_FRAMEWORK, [f"{BOT_FRAMEWORK}/.default"]), TIMEOUT
        )
    except Exception as exc:  # any failure is reported to the technician, in plain words
        return Finding(
            "problem",
            f"Teams credentials do not work: no Bot Framework token for app {auth.client_id} "
            f"({type(exc).__name__}: {str(exc)[:200]}).",
            "Check the Teams app registration's client id, secret (not expired) and tenant id "
            "in the CONNECTIONS__SERVICE_CONNECTION__SETTINGS__* variables "
            "(adapters/teams/README.md), and that this server can reach "
            "login.microsoftonline.com.",
        )
    return Finding(
        "ok", f"Teams credentials work: a Bot Framework token was issued for app {auth.client_id}."
    )


async def member_reach(store: ConversationStore, person: RoutedPerson) -> Reach:
    """Whether a Teams message would reach ``person`` today."""
    aad = person.identities.get("teams")
    gaps = await unreachable(store, [(person.name, aad)])
    if not gaps:
        return Reach("Teams", "yes")
    gap = gaps[0]
    if gap.reason == NO_TEAMS_ID:
        return Reach(
            "Teams",
            "missing",
            "no Teams id",
            f"to alert {person.name} in Teams, add their Microsoft Entra ID object id as teams: "
            "in the trust file and import it again",
        )
    if gap.reason == NOT_INSTALLED:
        return Reach(
            "Teams",
            "no",
            "has never opened policybot in Teams",
            f"{person.name} has never opened policybot in Teams: ask them to, or install the "
            "app for them from the Teams admin centre.",
        )
    return Reach(
        "Teams",
        "no",
        f"policybot cannot message them in Teams ({gap.reason})",
        f"{person.name} removed or blocked policybot in Teams: ask them to add it again (or "
        "install it for them from the Teams admin centre).",
    )
