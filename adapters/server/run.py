"""Run the server: the core, the aiohttp app, the in-process worker, Socket Mode, shutdown.

On SIGTERM or SIGINT the server stops accepting connections, finishes the requests in flight
(and the Slack work they acknowledged), lets the outbox worker finish the delivery it is
making, then closes the database: no outbox row is left half-sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

from aiohttp import web

from adapters.notifiers import build_notifiers
from adapters.server.app import create_app
from bot import memory
from bot.app import PolicyBot
from bot.config import Settings

log = logging.getLogger(__name__)

#: How long in-flight requests get to finish at shutdown (seconds).
SHUTDOWN_TIMEOUT = 25.0
#: pending connections the kernel queues; aiohttp's default (128) drops SYNs in bursts
LISTEN_BACKLOG = 1024


async def serve(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Serve until ``stop`` is set (or SIGTERM/SIGINT arrives)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    notifiers = build_notifiers(settings)
    bot = await PolicyBot.create(settings, platforms=sorted(notifiers))
    try:
        app = create_app(settings, bot, notifiers=notifiers)
        runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=SHUTDOWN_TIMEOUT)
        await runner.setup()
        memory.settle()
        site = web.TCPSite(runner, settings.host, settings.port, backlog=LISTEN_BACKLOG)
        await site.start()
        socket_mode = await _start_socket_mode(app, settings)
        log.info(
            "policybot serving on http://%s:%d (platforms: %s; worker %s; Slack %s)",
            settings.host,
            settings.port,
            ", ".join(sorted(notifiers)) or "none",
            "in-process" if settings.run_worker else "separate",
            "Socket Mode" if socket_mode else ("HTTP" if settings.slack_enabled else "off"),
        )
        await stop.wait()
        log.info("shutting down: finishing requests in flight")
        if socket_mode is not None:
            await socket_mode.close_async()
        await runner.cleanup()
    finally:
        memory.unsettle()
        await bot.close()
    log.info("policybot stopped")


async def _start_socket_mode(app: web.Application, settings: Settings) -> Any:
    """Connect Slack Socket Mode when ``SLACK_APP_TOKEN`` is set (no public URL needed)."""
    if not (settings.slack_enabled and settings.slack_app_token):
        return None
    from adapters.slack.app import SLACK_KEY
    from adapters.slack.socket_mode import SocketMode

    handler = SocketMode(app[SLACK_KEY], settings.slack_app_token)
    await handler.connect_async()
    return handler
