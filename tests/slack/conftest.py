"""Fixtures: the real server on loopback, a real PolicyBot on SQLite, a fake Slack Web API,
and a client that sends properly signed Slack requests."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from adapters.server.app import create_app
from adapters.slack.app import install, web_client
from adapters.slack.notifier import SlackNotifier
from bot.app import PolicyBot
from bot.clock import FakeClock
from bot.config import Settings, load_settings
from bot.delivery.pauses import Pauses
from bot.delivery.worker import OutboxWorker
from tests.slack.fake_slack import FakeSlack
from tests.slack.payload_check import view_problems

ROOT = Path(__file__).resolve().parents[2]
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-1234-5678-test"

REPORTER = "U04TCOOPR10"  # Tom Cooper, Oakfield staff
HEAD = "U04JSMITH01"  # Jane Smith, Oakfield Principal/Headteacher
DSL = "U04OKHAN002"  # Omar Khan, Oakfield DSL
DEPUTY_DSL = "U04LPATEL03"
STRANGER = "U0NOBODY999"  # not in the trust directory


def sign(body: str, timestamp: int | None = None, secret: str = SECRET) -> dict[str, str]:
    """Slack's v0 request signature headers for ``body``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class SlackClient:
    """Sends signed Slack requests to the server under test."""

    session: aiohttp.ClientSession
    url: str
    fake: FakeSlack

    async def post(
        self, body: str, content_type: str, headers: dict[str, str] | None = None
    ) -> aiohttp.ClientResponse:
        """POST a raw body, signed unless ``headers`` are given."""
        sent = {"Content-Type": content_type, **(headers if headers is not None else sign(body))}
        async with self.session.post(self.url, data=body.encode(), headers=sent) as resp:
            await resp.read()
            return resp

    async def command(
        self, command: str, text: str = "", user: str = REPORTER, channel: str = "C0STAFF01"
    ) -> aiohttp.ClientResponse:
        """A slash command."""
        body = urlencode(
            {
                "token": "legacy",
                "team_id": "T0SCHOOL",
                "channel_id": channel,
                "user_id": user,
                "user_name": "someone",
                "command": command,
                "text": text,
                "api_app_id": "A0POLICY",
                "response_url": self.fake.response_url("cmd"),
                "trigger_id": "1337.42.trigger",
            }
        )
        return await self.post(body, "application/x-www-form-urlencoded")

    async def interactive(self, payload: dict[str, Any]) -> aiohttp.ClientResponse:
        """An interactivity payload (buttons, modals, shortcuts)."""
        payload = {
            "team": {"id": "T0SCHOOL", "domain": "school"},
            "api_app_id": "A0POLICY",
            "token": "legacy",
            **payload,
        }
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post(body, "application/x-www-form-urlencoded")

    async def interactive_json(self, payload: dict[str, Any]) -> dict[str, Any]:
        """An interactivity payload whose HTTP response (e.g. response_action) is returned."""
        payload = {"team": {"id": "T0SCHOOL"}, "api_app_id": "A0POLICY", **payload}
        body = urlencode({"payload": json.dumps(payload)})
        headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
        async with self.session.post(self.url, data=body.encode(), headers=headers) as resp:
            assert resp.status == 200, await resp.text()
            text = await resp.text()
            answer: dict[str, Any] = json.loads(text) if text else {}
        if isinstance(answer.get("view"), dict):  # a view sent back in the HTTP response
            self.fake.checked += 1
            self.fake.problems.extend(view_problems(answer["view"], "response_action"))
        return answer

    async def button(
        self,
        action_id: str,
        value: str,
        user: str = REPORTER,
        channel: str = "C0STAFF01",
        message_ts: str = "1764000000.000100",
        ephemeral: bool = False,
    ) -> aiohttp.ClientResponse:
        """A button press on a message."""
        return await self.interactive(
            {
                "type": "block_actions",
                "user": {"id": user, "username": "someone"},
                "channel": {"id": channel},
                "container": {
                    "type": "message",
                    "channel_id": channel,
                    "message_ts": message_ts,
                    "is_ephemeral": ephemeral,
                },
                "message": {"ts": message_ts, "text": "…"},
                "trigger_id": "1337.43.trigger",
                "response_url": self.fake.response_url("btn"),
                "actions": [
                    {"type": "button", "action_id": action_id, "block_id": "b", "value": value}
                ],
            }
        )

    async def event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry: int | None = None
    ) -> aiohttp.ClientResponse:
        """An Events API callback (``retry``: Slack's ``X-Slack-Retry-Num`` of a redelivery)."""
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": "T0SCHOOL",
                "api_app_id": "A0POLICY",
                "type": "event_callback",
                "event_id": event_id or f"Ev{time.monotonic_ns()}",
                "event_time": int(time.time()),
                "event": event,
            }
        )
        headers = sign(body)
        if retry is not None:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return await self.post(body, "application/json", headers)


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """A fake Slack Web API on loopback."""
    fake = FakeSlack()
    await fake.start()
    yield fake
    await fake.close()
    assert not fake.problems, "Slack would refuse or cut these payloads:\n" + "\n".join(
        fake.problems
    )


@pytest.fixture
def clock() -> FakeClock:
    """A clock that moves only when told."""
    return FakeClock()


@pytest.fixture
def settings(tmp_path: Path, fake_slack: FakeSlack) -> Settings:
    """Settings as `policybot serve` would read them, pointing at the fake Slack."""
    return load_settings(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'policybot.sqlite3'}",
            "TRUST_CONFIG": str(ROOT / "config" / "trust.example.yaml"),
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake_slack.api_url,
            "RUN_WORKER": "false",
        }
    )


@pytest.fixture
async def bot(settings: Settings, clock: FakeClock) -> AsyncIterator[PolicyBot]:
    """The real core on a fresh SQLite database with the example trust."""
    policybot = await PolicyBot.create(settings, platforms=["slack"], clock=clock)
    yield policybot
    await policybot.close()


@pytest.fixture
def notifier(settings: Settings, clock: FakeClock) -> SlackNotifier:
    """The Slack notifier over the real Web API client (pointed at the fake); its pauses
    (rate limits, outages) follow the test's clock."""
    return SlackNotifier(web_client(settings), pauses=Pauses(clock=lambda: clock.now().timestamp()))


@pytest.fixture
def worker(bot: PolicyBot, notifier: SlackNotifier, clock: FakeClock) -> OutboxWorker:
    """An outbox worker the test drives with ``run_once``."""
    return OutboxWorker(bot.database, {"slack": notifier}, clock)


@pytest.fixture
async def server(settings: Settings, bot: PolicyBot) -> AsyncIterator[TestServer]:
    """The real aiohttp application on 127.0.0.1 at a free port."""
    app = create_app(settings, bot, installers=[install])
    test_server = TestServer(app, host="127.0.0.1")
    await test_server.start_server()
    yield test_server
    await test_server.close()


@pytest.fixture
async def slack(server: TestServer, fake_slack: FakeSlack) -> AsyncIterator[SlackClient]:
    """A client sending signed requests to ``/slack/events``."""
    async with aiohttp.ClientSession() as session:
        yield SlackClient(session, str(server.make_url("/slack/events")), fake_slack)
