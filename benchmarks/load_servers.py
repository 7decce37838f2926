"""The other processes of the server load benchmark (:mod:`benchmarks.server_load`).

``python -m benchmarks.load_servers fakes`` serves, on one loopback port, a fake Slack Web
API (``/api/{method}``, ``/respond/<n>`` for request n's response_url) and a fake Bot
Framework connector (``/v3/conversations/...``), counting what arrives (``GET /stats``) and
when each request's answer or modal came (``GET /arrivals``).

``python -m benchmarks.load_servers bare`` serves the bare aiohttp handler the benchmark
compares against: read the body, answer 200, with the same listen backlog as
``policybot serve``.

Each prints ``PORT <n>`` on stdout once listening, then serves until SIGTERM/SIGINT, or
until its parent process goes away.

``python -m benchmarks.load_servers policybot`` is ``policybot serve`` exactly as in
production (Teams with credentials: every ``/api/messages`` request's JWT is validated by
the Agents SDK), except where no network can be used: the Bot Framework's public key set is
read from ``BENCH_JWKS_FILE`` (the benchmark signs its tokens with the matching private
key) instead of ``login.botframework.com``, and the bot's own outgoing token is a fixed
local one instead of one from Azure AD.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path

from aiohttp import web

from adapters.server.run import LISTEN_BACKLOG

#: Words every "something went wrong" reply of the Slack and Teams adapters contains
#: (as JSON, and form-encoded).
SORRY_WORDS = (b"something went wrong on my side", b"something+went+wrong+on+my+side")


class Recorder:
    """Counts the calls the bot makes, and the apologies among them."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.sorry = 0
        #: when the first answer (``answer:<n>``) or modal (``modal:<n>``) for request n came
        self.arrivals: dict[str, float] = {}
        self._ids = itertools.count(1)

    async def _count(self, request: web.Request, kind: str) -> bytes:
        body = await request.read()
        self.calls[kind] += 1
        if any(words in body for words in SORRY_WORDS):
            self.sorry += 1
        return body

    def _arrived(self, key: str) -> None:
        self.arrivals.setdefault(key, time.time())

    async def slack_api(self, request: web.Request) -> web.Response:
        """Any Slack Web API method: ``ok`` with the fields our calls read."""
        method = request.match_info["method"]
        body = await self._count(request, f"slack.{method}")
        if method == "views.open":
            with contextlib.suppress(ValueError, AttributeError):
                trigger = str(json.loads(body).get("trigger_id", ""))
                self._arrived(f"modal:{trigger.split('.', 1)[0]}")
        return web.json_response(
            {"ok": True, "ts": "1.0", "channel": "D0", "user_id": "UBOT", "view": {"id": "V0"}}
        )

    async def slack_respond(self, request: web.Request) -> web.Response:
        """A post to a slash command's ``response_url`` (``/respond/<n>`` for request n)."""
        await self._count(request, "slack.respond")
        self._arrived(f"answer:{request.match_info['n']}")
        return web.json_response({"ok": True})

    async def connector_send(self, request: web.Request) -> web.Response:
        """Bot Framework: a new message or a reply in a conversation."""
        await self._count(request, "teams.send")
        return web.json_response({"id": f"act-{next(self._ids)}"})

    async def connector_update(self, request: web.Request) -> web.Response:
        """Bot Framework: an activity updated in place."""
        await self._count(request, "teams.update")
        return web.json_response({"id": request.match_info["activity_id"]})

    async def connector_create(self, request: web.Request) -> web.Response:
        """Bot Framework: a new 1:1 conversation (proactive messages)."""
        await self._count(request, "teams.create")
        return web.json_response({"id": f"a:1on1-{next(self._ids)}"})

    async def stats(self, _request: web.Request) -> web.Response:
        """What has arrived so far."""
        return web.json_response({"calls": dict(self.calls), "sorry": self.sorry})

    async def arrival_times(self, _request: web.Request) -> web.Response:
        """Wall-clock arrival of each request's first answer and modal."""
        return web.json_response(self.arrivals)


def fakes_app() -> web.Application:
    """Fake Slack Web API and fake Bot Framework connector on one application."""
    rec = Recorder()
    app = web.Application()
    app.router.add_route("*", "/api/{method}", rec.slack_api)
    app.router.add_post("/respond/{n}", rec.slack_respond)
    conversation = "/v3/conversations/{conversation_id}/activities"
    app.router.add_post("/v3/conversations", rec.connector_create)
    app.router.add_post(conversation, rec.connector_send)
    app.router.add_post(conversation + "/{activity_id}", rec.connector_send)
    app.router.add_put(conversation + "/{activity_id}", rec.connector_update)
    app.router.add_get("/stats", rec.stats)
    app.router.add_get("/arrivals", rec.arrival_times)
    return app


def bare_app() -> web.Application:
    """Read the body, answer 200 with nothing, on any POST path."""

    async def bare(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text="")

    async def ready(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_get("/readyz", ready)
    app.router.add_post("/{path:.*}", bare)
    return app


async def serve(app: web.Application) -> None:
    """Serve ``app`` on a free loopback port like ``policybot serve`` does; print the port."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=LISTEN_BACKLOG)
    await site.start()
    print(f"PORT {runner.addresses[0][1]}", flush=True)
    parent = os.getppid()
    while not stop.is_set():  # also stop if the benchmark itself has gone
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)
        if os.getppid() != parent:
            break
    await runner.cleanup()


def serve_policybot() -> int:
    """``policybot serve`` with the Bot Framework keys from ``BENCH_JWKS_FILE`` (see above)."""
    import threading

    from jwt import PyJWKClient
    from microsoft_agents.authentication.msal import MsalAuth
    from microsoft_agents.hosting.core import AuthenticationConstants, JwtTokenValidator
    from microsoft_agents.hosting.core.authorization.jwt import jwt_token_validator

    from bot.cli import main as policybot

    keys = PyJWKClient(_serve_key_set(Path(os.environ["BENCH_JWKS_FILE"]).read_bytes()))
    entry = jwt_token_validator._JwkClientCacheEntry(keys, threading.Lock())
    JwtTokenValidator._jwk_client_manager._cache[AuthenticationConstants.PUBLIC_ABS_JWKS_URL] = (
        entry
    )

    async def local_token(*_args: object, **_kwargs: object) -> str:
        return LOCAL_OUTGOING_TOKEN

    MsalAuth.get_access_token = local_token  # type: ignore[method-assign]
    return policybot(["serve"])


def _serve_key_set(jwks: bytes) -> str:
    """Serve ``jwks`` on a loopback port (a thread of this process); its URL."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class KeySet(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(jwks)

        def log_message(self, *_args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), KeySet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/keys"


#: the bot's outgoing token in the benchmark (the fake connector does not check it)
LOCAL_OUTGOING_TOKEN = "benchmark-outgoing-token"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: ``fakes``, ``bare`` or ``policybot``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", choices=("fakes", "bare", "policybot"))
    args = parser.parse_args(argv)
    if args.which == "policybot":
        return serve_policybot()
    app = fakes_app() if args.which == "fakes" else bare_app()
    asyncio.run(serve(app))
    return 0


if __name__ == "__main__":
    sys.exit(main())
