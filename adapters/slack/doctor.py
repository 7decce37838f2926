"""``policybot doctor``'s Slack checks: the token works (``auth.test``) and each routed
person's member ID is a live member of the workspace (``users.info``)."""

from __future__ import annotations

import asyncio

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.notifier import error_code
from bot.doctor.findings import Finding
from bot.doctor.reach import Reach, RoutedPerson

TIMEOUT = 15.0
_TOKEN_ERRORS = {"invalid_auth", "not_authed", "token_revoked", "account_inactive"}


def _failure(exc: BaseException, url: str) -> str:
    if isinstance(exc, SlackApiError):
        return f"Slack said {error_code(exc)}"
    return f"Slack could not be reached at {url} ({type(exc).__name__})"


async def check_auth(client: AsyncWebClient, url: str) -> Finding:
    """``auth.test``: which workspace and bot user the token belongs to."""
    try:
        found = await asyncio.wait_for(client.auth_test(), TIMEOUT)
    except (SlackApiError, aiohttp.ClientError, OSError, TimeoutError) as exc:
        why = _failure(exc, url)
        if isinstance(exc, SlackApiError) and error_code(exc) in _TOKEN_ERRORS:
            todo = (
                "Copy the Bot User OAuth Token (xoxb-...) again from the Slack app's OAuth & "
                "Permissions page into SLACK_BOT_TOKEN (reinstall the app if it was removed)."
            )
        else:
            todo = (
                "Check this server can reach Slack (proxy, firewall) and that SLACK_API_URL is "
                "right (normally unset), then run policybot doctor again."
            )
        return Finding("problem", f"Slack does not accept the bot token: {why}.", todo)
    team = found.get("team") or found.get("team_id") or "the workspace"
    user = found.get("user") or found.get("user_id") or "the bot"
    return Finding("ok", f"Slack token works: connected to {team} as {user} (auth.test).")


async def check_app_token(app_token: str, url: str) -> Finding:
    """Socket Mode: Slack gives the app-level token a connection URL (``apps.connections.open``;
    nothing is connected)."""
    client = AsyncWebClient(token=app_token, base_url=url)
    try:
        await asyncio.wait_for(client.apps_connections_open(app_token=app_token), TIMEOUT)
    except (SlackApiError, aiohttp.ClientError, OSError, TimeoutError) as exc:
        return Finding(
            "problem",
            f"Socket Mode will not connect: {_failure(exc, url)}.",
            "Create an app-level token with the connections:write scope (Slack app > Basic "
            "Information > App-Level Tokens), turn on Socket Mode, and put it in SLACK_APP_TOKEN.",
        )
    return Finding("ok", "Socket Mode app token works (apps.connections.open).")


async def member_reach(client: AsyncWebClient, person: RoutedPerson, slack_ok: bool) -> Reach:
    """Whether a Slack DM would reach ``person`` today."""
    member = person.identities.get("slack")
    if not member:
        return Reach(
            "Slack",
            "missing",
            "no member ID",
            f"to alert {person.name} in Slack, add their member ID (Slack profile > ... > Copy "
            "member ID) as slack: in the trust file and import it again",
        )
    if not slack_ok:
        return Reach("Slack", "unknown")
    try:
        found = await asyncio.wait_for(client.users_info(user=member), TIMEOUT)
    except SlackApiError as exc:
        code = error_code(exc)
        if code in {"user_not_found", "users_not_found"}:
            return Reach(
                "Slack",
                "no",
                f"member ID {member} is not in this Slack workspace",
                f"{person.name}'s Slack member ID {member} does not exist in this workspace: "
                "copy the right one from their Slack profile (... > Copy member ID) into the "
                "trust file and run policybot admin import-config.",
            )
        return Reach(
            "Slack",
            "no",
            f"Slack said {code} when asked about {member}",
            f"Check the Slack app has the users:read scope (reinstall it from the manifest) "
            f"and run policybot doctor again ({person.name}).",
        )
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        return Reach(
            "Slack",
            "no",
            f"Slack did not answer about {member} ({type(exc).__name__})",
            "Check this server can reach Slack, then run policybot doctor again.",
        )
    user = found.get("user") or {}
    if user.get("deleted"):
        return Reach(
            "Slack",
            "no",
            f"their Slack account ({member}) is deactivated",
            f"{person.name}'s Slack account is deactivated: if they have left, give their "
            "role to someone else (policybot admin set-role ACADEMY ROLE PERSON); otherwise ask "
            "your Slack admin to reactivate it.",
        )
    return Reach("Slack", "yes")
