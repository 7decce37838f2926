"""The Slack app: slack_bolt's ``AsyncApp`` with our listeners, mounted at ``/slack/events``.

Every request's signature is checked before anything of its body is parsed (bad or stale ->
401); a signed body that is not a Slack payload is a 400, and an Events API retry of an event
already taken is acknowledged without being handled again (:mod:`adapters.slack.inbound`).
Bodies over 64 KB are refused with 413 before they are read in full. The Web API
client uses ``SLACK_API_URL`` so the whole app can run against a local fake. While the server
runs, every Web API call shares one HTTP connection pool (without it, ``slack_sdk`` opens a
new connection, TLS handshake included, for each call).
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import inbound
from adapters.slack.audience import SlackAudience
from adapters.slack.listeners import (
    actions,
    commands,
    home,
    membership,
    messages,
    shortcuts,
    views,
)
from adapters.slack.runtime import SlackRuntime
from bot.config import Settings

if TYPE_CHECKING:
    from bot.app import PolicyBot

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
#: after a failed auth.test (Slack down), how long requests go on without asking again
AUTH_TEST_RETRY_SECONDS = 30.0
MAX_BODY_BYTES = 64 * 1024
#: Where the server keeps the Slack app (for Socket Mode and shutdown).
SLACK_KEY: web.AppKey[SlackApp] = web.AppKey("policybot.slack")


def web_client(settings: Settings) -> AsyncWebClient:
    """The Web API client: the bot token, against ``SLACK_API_URL``."""
    return AsyncWebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=settings.slack_timeout_seconds,
    )


class SlackApp:
    """A Bolt app wired to the core, plus the runtime its listeners share."""

    def __init__(self, settings: Settings, bot: PolicyBot) -> None:
        self.settings = settings
        self.client = web_client(settings)
        self.runtime = SlackRuntime(bot, settings)
        self.verifier = SignatureVerifier(settings.slack_signing_secret or "")
        self.events = inbound.EventLedger(bot.conversations, bot.clock)
        self._auth: AuthorizeResult | None = None
        self._auth_retry_at = 0.0  # after a failed auth.test, when to ask again
        self._session: aiohttp.ClientSession | None = None

        async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            return await self._authorize(enterprise_id, team_id)

        # The token is given through ``authorize`` (Bolt ignores ``token`` beside it).
        self.bolt = AsyncApp(
            signing_secret=settings.slack_signing_secret,
            # Bolt gives each request a copy of this client holding the authorised token.
            client=AsyncWebClient(base_url=settings.slack_api_url),
            authorize=authorize,
            logger=logging.getLogger("adapters.slack.bolt"),
        )
        for module in (commands, messages, actions, views, shortcuts, home, membership):
            module.register(self.bolt, self.runtime)
        bot.audiences["slack"] = SlackAudience(self.client)  # campaigns read channel members

    def open_connections(self) -> None:
        """Start the shared connection pool for Web API calls (inside the running loop).

        Bolt hands each request a copy of ``bolt.client`` that keeps its ``session``.
        """
        timeout = aiohttp.ClientTimeout(total=self.client.timeout)
        self._session = aiohttp.ClientSession(timeout=timeout)
        self.client.session = self.bolt.client.session = self._session

    async def close_connections(self) -> None:
        """Close the pool; later calls (if any) fall back to a connection each."""
        if self._session is not None:
            self.client.session = self.bolt.client.session = None
            await self._session.close()
            self._session = None

    async def _authorize(self, enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        """Our single workspace's bot token. ``auth.test`` (the bot's own user id, used to
        ignore its own messages) is asked once and cached; if Slack's API is down the request
        is still handled, so a report can always be made, and auth.test is not asked again
        for ``AUTH_TEST_RETRY_SECONDS``."""
        if self._auth is not None:
            return self._auth
        without = AuthorizeResult(
            enterprise_id=enterprise_id, team_id=team_id, bot_token=self.settings.slack_bot_token
        )
        if time.monotonic() < self._auth_retry_at:
            return without  # it failed a moment ago: do not ask Slack on every request
        try:
            result = await self.client.auth_test()
        except Exception as exc:
            self._auth_retry_at = time.monotonic() + AUTH_TEST_RETRY_SECONDS
            log.warning("auth.test failed (%s); continuing with the bot token", type(exc).__name__)
            return without
        self._auth = AuthorizeResult(
            enterprise_id=enterprise_id or result.get("enterprise_id"),
            team_id=team_id or result.get("team_id"),
            bot_token=self.settings.slack_bot_token,
            bot_user_id=result.get("user_id"),
            bot_id=result.get("bot_id"),
        )
        return self._auth

    async def redelivered(self, payload: Mapping[str, Any], attempt: object) -> bool:
        """Whether ``payload`` is an Events API callback whose ``event_id`` was already taken
        (Slack sends it again after a slow or failed first delivery): acknowledge it, do not
        handle it. The one check for both ways Slack delivers (HTTP and Socket Mode);
        ``attempt`` is Slack's retry number, for the log."""
        event_id = payload.get("event_id")
        if not isinstance(event_id, str) or not event_id:
            return False
        if await self.events.first_time(event_id):
            return False
        log.info("Slack event %s delivered again (retry %s); already handled", event_id, attempt)
        return True

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """``POST /slack/events``: size, signature, a readable body, not a retry; then Bolt
        (ack, listeners)."""
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            return _too_large()
        body = await _read_body(request, MAX_BODY_BYTES)
        if body is None:
            return _too_large()
        headers = {k.lower(): v for k, v in request.headers.items()}
        if not inbound.verified(self.verifier, body, headers):
            return web.json_response({"error": "invalid signature"}, status=401)
        try:
            text = body.decode("utf-8")
            payload = inbound.parse(text, request.content_type)
        except (UnicodeDecodeError, inbound.BadRequest) as exc:
            log.warning("signed Slack request with an unreadable body (%s)", type(exc).__name__)
            return web.json_response({"error": "malformed request body"}, status=400)
        if await self.redelivered(payload, headers.get("x-slack-retry-num", "?")):
            return web.Response(status=200)
        bolt_request = AsyncBoltRequest(
            body=text, query=request.query_string, headers=dict(headers.items())
        )
        bolt_response = await self.bolt.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)


async def _read_body(request: web.Request, limit: int) -> bytes | None:
    """The whole body, or ``None`` as soon as it is longer than ``limit`` bytes.

    One ``read(n)`` returns only what has arrived so far: a body that comes in several
    TCP segments would be cut short (and its signature then fail).
    """
    body = bytearray()
    while chunk := await request.content.read(limit + 1 - len(body)):
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def _too_large() -> web.Response:
    return web.json_response({"error": "request too large"}, status=413)


def install(app: web.Application, bot: PolicyBot, settings: Settings) -> None:
    """Mount ``/slack/events`` when Slack is configured; drain listeners at shutdown."""
    if not settings.slack_enabled:
        return
    slack = SlackApp(settings, bot)
    app[SLACK_KEY] = slack
    app.router.add_post(EVENTS_PATH, slack.handle)

    async def lifetime(_app: web.Application) -> AsyncIterator[None]:
        slack.open_connections()
        yield
        await slack.runtime.drain()  # after in-flight requests, before the worker stops
        await slack.close_connections()

    app.cleanup_ctx.append(lifetime)
