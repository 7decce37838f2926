"""Mount Microsoft Teams (Agents SDK ``CloudAdapter``) on the shared aiohttp application.

``install(app, bot, settings)`` is listed in ``adapters.server.app.INSTALLERS``. It does
nothing unless Teams is configured (credentials in the SDK's ``CONNECTIONS__...`` variables,
or ``TEAMS_LOCAL_MODE=true``), and mounts ``POST /api/messages``: authenticate (401 for a
missing or bad token), then hand the activity to the SDK adapter and our handler.
"""

from __future__ import annotations

import logging
import os
import traceback
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass

from aiohttp import web
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import AgentAuthConfiguration, TurnContext
from pydantic import ValidationError

from adapters.teams.audience import TeamsAudience
from adapters.teams.auth import LOCAL_MODE_WARNING, TeamsAuth, authenticate, load_teams_auth
from adapters.teams.clients import PooledClientFactory
from adapters.teams.handler import TeamsHandler
from adapters.teams.notifier import TeamsNotifier
from adapters.teams.references import ReferenceStore
from bot.app import PolicyBot
from bot.config import Settings
from bot.store.conversations import ConversationStore
from bot.store.db import Database

log = logging.getLogger(__name__)

ROUTE = "/api/messages"
SORRY = (
    "Sorry, something went wrong on my side and I could not finish that. Please try again in a "
    "minute; if it keeps happening, tell your IT team. (Nothing you sent has been shared.)"
)


@dataclass
class TeamsRuntime:
    """Everything the Teams endpoint and notifier share in one process."""

    auth: TeamsAuth
    adapter: CloudAdapter
    handler: TeamsHandler
    references: ReferenceStore
    auth_config: AgentAuthConfiguration | None

    def notifier(self) -> TeamsNotifier:
        """A notifier that sends through this runtime's adapter and reference store."""
        return TeamsNotifier(self.adapter, self.references, app_id=self.auth.client_id)


TEAMS_KEY: web.AppKey[TeamsRuntime] = web.AppKey("policybot.teams")


def build_adapter(auth: TeamsAuth) -> tuple[CloudAdapter, AgentAuthConfiguration | None]:
    """The SDK adapter with our friendly turn-error handler, and the JWT validation config."""
    manager = auth.connection_manager()
    adapter = CloudAdapter(
        connection_manager=manager,
        channel_service_client_factory=PooledClientFactory(manager),
    )

    async def on_turn_error(context: TurnContext, error: Exception) -> None:
        # Never a traceback or exception text to a person; ids only in the log.
        # Type and place only: an exception message could quote what a person wrote.
        where = traceback.extract_tb(error.__traceback__)[-1:] if error.__traceback__ else []
        place = f"{where[0].filename}:{where[0].lineno}" if where else "?"
        log.error(
            "Teams turn failed (%s at %s) for activity %s",
            type(error).__name__,
            place,
            context.activity.id if context.activity else "?",
        )
        try:
            await context.send_activity(SORRY)
        except Exception as send_error:
            log.warning(
                "could not tell the person about the failure (%s)", type(send_error).__name__
            )

    adapter.on_turn_error = on_turn_error
    config = None if auth.local_mode else manager.get_default_connection_configuration()
    return adapter, config


async def close_clients(adapter: CloudAdapter) -> None:
    """Close the connector clients kept across turns."""
    factory = getattr(adapter, "_channel_service_client_factory", None)
    if isinstance(factory, PooledClientFactory):
        await factory.aclose()


def build_runtime(auth: TeamsAuth, bot: PolicyBot) -> TeamsRuntime:
    """Adapter, handler and reference store for one bot."""
    adapter, config = build_adapter(auth)
    references = ReferenceStore(bot.conversations, clock=bot.clock)
    handler = TeamsHandler(bot, references, app_id=auth.client_id, adapter=adapter)
    bot.audiences["teams"] = TeamsAudience(adapter, auth.client_id)  # campaigns: team members
    return TeamsRuntime(auth, adapter, handler, references, config)


def messages_handler(
    runtime: TeamsRuntime,
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The ``POST /api/messages`` route."""

    async def messages(request: web.Request) -> web.StreamResponse:
        claims = await authenticate(
            request.headers.get("Authorization"), runtime.auth, runtime.auth_config
        )
        if claims is None:
            return web.json_response({"error": "Unauthorized"}, status=401)
        with warnings.catch_warnings():  # the SDK reads this plain string key
            warnings.simplefilter("ignore", web.NotAppKeyWarning)
            request["claims_identity"] = claims
        try:
            response = await runtime.adapter.process(request, runtime.handler)
        except ValidationError:
            return web.json_response({"error": "Not a valid Bot Framework activity"}, status=400)
        return response or web.Response(status=202)

    return messages


def install(
    app: web.Application,
    bot: PolicyBot,
    settings: Settings,
    *,
    env: Mapping[str, str] | None = None,
) -> None:
    """Mount ``/api/messages`` when Teams is configured; log loudly in local mode."""
    auth = load_teams_auth(os.environ if env is None else env)
    if auth is None:
        log.info("Teams is not configured; /api/messages not mounted")
        return
    if auth.local_mode:
        log.warning(LOCAL_MODE_WARNING)
    runtime = build_runtime(auth, bot)
    app[TEAMS_KEY] = runtime
    app.router.add_post(ROUTE, messages_handler(runtime))

    async def lifetime(_app: web.Application) -> AsyncIterator[None]:
        yield
        await close_clients(runtime.adapter)

    app.cleanup_ctx.append(lifetime)
    log.info("Teams mounted at %s (%s)", ROUTE, "LOCAL MODE" if auth.local_mode else "JWT auth")


def build_teams_notifier(
    settings: Settings,
    store: ConversationStore | None = None,
    *,
    env: Mapping[str, str] | None = None,
) -> TeamsNotifier | None:
    """A stand-alone Teams notifier for the outbox worker; None when Teams is not configured.

    Without ``store`` it opens the settings' database for the conversation references.
    """
    auth = load_teams_auth(os.environ if env is None else env)
    if auth is None:
        return None
    if store is None:
        store = ConversationStore(Database(settings.database_url))
    adapter, _ = build_adapter(auth)
    return TeamsNotifier(adapter, ReferenceStore(store, clock=store.clock), app_id=auth.client_id)
