"""The one aiohttp application: health endpoints plus each chat platform's routes.

Platforms add their routes through *installers*: ``install(app, bot, settings)`` callables
named in :data:`INSTALLERS`. An installer mounts nothing when its platform is not configured
(e.g. Slack without a token). To add a platform, add one line to :data:`INSTALLERS`.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from typing import TYPE_CHECKING

from aiohttp import web

from adapters.server.logging import request_logging
from bot.commands.worker import reminder_loop
from bot.config import Settings
from bot.delivery.worker import OutboxWorker
from bot.notifier import Notifier
from bot.store.migrate import is_current

if TYPE_CHECKING:
    from bot.app import PolicyBot

log = logging.getLogger(__name__)

Installer = Callable[[web.Application, "PolicyBot", Settings], None]

#: ``module:function`` of each platform's route installer, imported on use.
INSTALLERS: tuple[str, ...] = (
    "adapters.slack.app:install",
    "adapters.teams.app:install",
    "adapters.server.reports:install",
    "adapters.server.policy_page:install",
)

#: Largest request body any route accepts (bytes); platforms may set a lower limit.
MAX_BODY_BYTES = 256 * 1024
READY_TIMEOUT_SECONDS = 5.0
REMINDER_CHECK_SECONDS = 30.0

BOT_KEY: web.AppKey[PolicyBot] = web.AppKey("policybot.bot")
SETTINGS_KEY: web.AppKey[Settings] = web.AppKey("policybot.settings")
NOTIFIERS_KEY: web.AppKey[dict[str, Notifier]] = web.AppKey("policybot.notifiers")
WORKER_KEY: web.AppKey[OutboxWorker] = web.AppKey("policybot.worker")


def load_installers(names: Sequence[str] = INSTALLERS) -> list[Installer]:
    """Import the installers named ``module:function``; platforms not built are skipped."""
    installers: list[Installer] = []
    for name in names:
        module_name, _, func = name.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and module_name.startswith(exc.name):
                log.info("platform module %s is not available; skipped", module_name)
                continue
            raise
        installers.append(getattr(module, func))
    return installers


async def healthz(_request: web.Request) -> web.Response:
    """Liveness: the process is up and serving."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Readiness: the database answers and its migrations are current (else 503)."""
    bot = request.app[BOT_KEY]
    try:
        current = await asyncio.wait_for(is_current(bot.database), READY_TIMEOUT_SECONDS)
    except Exception as exc:
        log.warning("readiness: database unreachable (%s)", type(exc).__name__)
        return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    if not current:
        return web.json_response(
            {"status": "unavailable", "database": "ok", "migrations": "not current"}, status=503
        )
    return web.json_response({"status": "ok", "database": "ok", "migrations": "current"})


def create_app(
    settings: Settings,
    bot: PolicyBot,
    *,
    notifiers: dict[str, Notifier] | None = None,
    installers: Sequence[Installer] | None = None,
) -> web.Application:
    """Build the application: ``/healthz``, ``/readyz`` and every configured platform's routes.

    With ``notifiers`` (platform -> Notifier) and ``settings.run_worker``, the outbox worker
    runs inside the server: started with it, and stopped at shutdown only after in-flight
    requests and the delivery it is making have finished. ``installers`` defaults to
    :data:`INSTALLERS`.
    """
    app = web.Application(middlewares=[request_logging], client_max_size=MAX_BODY_BYTES)
    app[BOT_KEY] = bot
    app[SETTINGS_KEY] = settings
    app[NOTIFIERS_KEY] = dict(notifiers or {})
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    if settings.run_worker and notifiers:
        app.cleanup_ctx.append(_outbox_worker)
    for install in load_installers() if installers is None else installers:
        install(app, bot, settings)
    return app


async def _outbox_worker(app: web.Application) -> AsyncIterator[None]:
    """Run the outbox worker (and reminder checks) for the app's lifetime; on exit let the
    delivery in flight finish, so no row is left half-sent."""
    bot = app[BOT_KEY]
    notifiers: dict[str, Notifier] = app[NOTIFIERS_KEY]
    worker = OutboxWorker.from_settings(bot.database, notifiers, bot.clock, app[SETTINGS_KEY])
    app[WORKER_KEY] = worker
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(worker.run_forever(stop), name="outbox-worker"),
        asyncio.create_task(
            reminder_loop(bot.incidents, stop, REMINDER_CHECK_SECONDS), name="reminders"
        ),
    ]
    yield
    stop.set()
    await asyncio.gather(*tasks)
