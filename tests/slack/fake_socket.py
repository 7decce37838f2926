"""The fake Slack Web API plus Slack's Socket Mode side, on one loopback port.

``apps.connections.open`` (called with the app-level ``xapp-`` token) answers with a one-time
``ws://127.0.0.1:<port>/link?ticket=N`` URL, and the fake serves the websocket there as
Slack does: ``hello`` on connect, then whatever envelopes the test sends; every message the
app sends back (the acks) is recorded. The test can also drop the connection or send
Slack's ``disconnect`` warning, to make the real client reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.slack.fake_slack import FakeSlack

APP_TOKEN = "xapp-1-A0POLICY-1234-test"
APP_ID = "A0POLICY"


@dataclass
class FakeSocketSlack(FakeSlack):
    """:class:`FakeSlack` that also speaks Socket Mode."""

    #: every JSON message the app sent over any socket, in order
    received: list[dict[str, Any]] = field(default_factory=list)
    #: every websocket the app opened, oldest first
    sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _tickets: set[str] = field(default_factory=set)
    _ticket_no: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # -- control ---------------------------------------------------------------------------
    @property
    def open_sockets(self) -> list[web.WebSocketResponse]:
        """The websockets still open."""
        return [ws for ws in self.sockets if not ws.closed]

    async def wait_connected(self, count: int = 1, timeout: float = 20.0) -> None:
        """Wait until the app has opened ``count`` websockets in all and one is open."""
        await self.until(
            lambda: len(self.sockets) >= count and bool(self.open_sockets),
            timeout,
            lambda: f"{len(self.sockets)} socket(s) opened, {len(self.open_sockets)} open",
        )

    async def send(self, message: dict[str, Any]) -> None:
        """Send ``message`` over the newest open socket."""
        sockets = self.open_sockets
        assert sockets, "no open socket"
        await sockets[-1].send_json(message)

    async def envelope(
        self, kind: str, payload: dict[str, Any], *, accepts_response_payload: bool = True
    ) -> str:
        """Send a Socket Mode envelope (``slash_commands``, ``interactive``, ``events_api``);
        return its ``envelope_id``."""
        envelope_id = str(uuid.uuid4())
        await self.send(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": accepts_response_payload,
            }
        )
        return envelope_id

    async def wait_ack(self, envelope_id: str, timeout: float = 20.0) -> dict[str, Any]:
        """Wait for the app's acknowledgement of ``envelope_id``; return it."""

        def found() -> dict[str, Any] | None:
            return next((m for m in self.received if m.get("envelope_id") == envelope_id), None)

        await self.until(lambda: found() is not None, timeout, lambda: f"got {self.received}")
        ack = found()
        assert ack is not None
        return ack

    async def drop(self) -> None:
        """Close the newest open socket from Slack's side (as Slack does now and then)."""
        await self.open_sockets[-1].close(code=1001, message=b"going away")

    async def warn_disconnect(self) -> None:
        """Send Slack's ``disconnect`` warning (the app should reconnect at once)."""
        await self.send(
            {
                "type": "disconnect",
                "reason": "refresh_requested",
                "debug_info": {"host": "applink-fake"},
            }
        )

    async def until(
        self, ready: Callable[[], bool], timeout: float, seen: Callable[[], str]
    ) -> None:
        """Wait until ``ready()`` holds; on timeout fail, saying what ``seen()`` reports."""
        deadline = time.monotonic() + timeout
        while not ready():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout} s: {seen()}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    # -- server ----------------------------------------------------------------------------
    def app(self) -> web.Application:
        """The Web API fake plus the websocket endpoint."""
        app = super().app()
        app.router.add_get("/link", self._link)
        return app

    async def close(self) -> None:
        """Close every socket, then stop serving."""
        for ws in self.open_sockets:
            await ws.close()
        await super().close()

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["method"] != "apps.connections.open":
            return await super()._api(request)
        if request.headers.get("Authorization") != f"Bearer {APP_TOKEN}":
            self._record("failed:apps.connections.open", {})
            return web.json_response({"ok": False, "error": "invalid_auth"})
        self._record("apps.connections.open", {})
        ticket = str(next(self._ticket_no))
        self._tickets.add(ticket)
        assert self.server is not None
        url = f"ws://{self.server.host}:{self.server.port}/link?ticket={ticket}"
        return web.json_response({"ok": True, "url": url})

    async def _link(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:  # Slack's URLs work once
            return web.Response(status=401, text="unknown or used ticket")
        self._tickets.discard(ticket)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": 1,
                "debug_info": {"host": "applink-fake", "approximate_connection_time": 18060},
                "connection_info": {"app_id": APP_ID},
            }
        )
        self._changed.set()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                self.received.append(json.loads(message.data))
                self._changed.set()
        self._changed.set()
        return ws
