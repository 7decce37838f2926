"""Web API calls share one HTTP connection pool while the server runs.

Without it slack_sdk opens a new connection (against slack.com: a TLS handshake) per call.
A small Web API fake here records which client connection each call came over.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.server.app import create_app
from adapters.slack.app import SLACK_KEY, install
from bot.app import PolicyBot
from bot.config import load_settings
from tests.slack.conftest import REPORTER, ROOT, SECRET, TOKEN, sign

Calls = list[tuple[str, object]]


async def _wait_for(calls: Calls, method: str, count: int, timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while sum(1 for name, _ in calls if name == method) < count:
            await asyncio.sleep(0.02)


async def test_web_api_calls_reuse_one_connection(tmp_path: Path) -> None:
    peers: Calls = []  # (method, the client's address and port)

    async def api(request: web.Request) -> web.Response:
        await request.read()
        peers.append((request.match_info["method"], request.transport.get_extra_info("peername")))
        return web.json_response(
            {"ok": True, "user_id": "UPOLICYBOT1", "team_id": "T0SCHOOL", "view": {"id": "V1"}}
        )

    fake_app = web.Application()
    fake_app.router.add_post("/api/{method}", api)
    async with TestServer(fake_app, host="127.0.0.1") as fake:
        settings = load_settings(
            {
                "DATABASE_URL": f"sqlite:///{tmp_path / 'policybot.sqlite3'}",
                "TRUST_CONFIG": str(ROOT / "config" / "trust.example.yaml"),
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": str(fake.make_url("/api/")),
                "RUN_WORKER": "false",
            }
        )
        bot = await PolicyBot.create(settings, platforms=["slack"])
        app = create_app(settings, bot, installers=[install])
        try:
            async with TestServer(app, host="127.0.0.1") as server, aiohttp.ClientSession() as s:
                for n in (1, 2):
                    body = urlencode(
                        {
                            "team_id": "T0SCHOOL",
                            "channel_id": "C0STAFF01",
                            "user_id": REPORTER,
                            "command": "/report",
                            "response_url": "http://127.0.0.1:9/unused",
                            "trigger_id": f"1337.{n}.trigger",
                        }
                    )
                    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
                    url = server.make_url("/slack/events")
                    async with s.post(url, data=body, headers=headers) as resp:
                        assert resp.status == 200
                    await _wait_for(peers, "views.open", n)
        finally:
            await bot.close()
        assert app[SLACK_KEY].bolt.client.session is None  # closed with the server

    assert [method for method, _ in peers] == ["auth.test", "views.open", "views.open"]
    assert len({peer for _, peer in peers}) == 1, peers
