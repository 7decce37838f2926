"""Slack Socket Mode: Bolt over Slack's websocket instead of ``POST /slack/events``.

The websocket is opened with the app-level token (``SLACK_APP_TOKEN``), so there is no
request signature to check; everything else is as on the HTTP path. In particular an Events
API envelope Slack sends again (``retry_attempt``, after a slow or failed first delivery) is
acknowledged without being handled twice, by the same ``event_id`` record as the HTTP path
(:meth:`adapters.slack.app.SlackApp.redelivered`), so a retry is recognised whichever way,
and whichever server process, the first delivery came.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

if TYPE_CHECKING:
    from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient

    from adapters.slack.app import SlackApp


class SocketMode(AsyncSocketModeHandler):
    """Bolt's Socket Mode handler with the HTTP path's de-duplication of event retries."""

    def __init__(self, slack: SlackApp, app_token: str) -> None:
        super().__init__(slack.bolt, app_token)
        self.slack = slack

    async def handle(self, client: AsyncBaseSocketModeClient, req: SocketModeRequest) -> None:
        """Ack a redelivered event without handling it; hand anything else to Bolt."""
        payload = req.payload if isinstance(req.payload, dict) else {}
        if req.type == "events_api" and await self.slack.redelivered(
            payload, req.retry_attempt if req.retry_attempt is not None else "?"
        ):
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        await super().handle(client, req)  # type: ignore[arg-type]
