"""Slack acknowledgement latency under load, on loopback, beside a bare aiohttp handler.

Sends properly signed ``/policy`` and ``/report`` slash commands to the real server (real
PolicyBot on a temporary SQLite database, Slack Web API faked locally) over 200 concurrent
connections, and the same number of requests to a bare aiohttp handler in the same run.
Prints ack latency p50/p99 and requests per second for each, and the ratio. Stops by itself.

    python -m benchmarks.slack_load [--requests 2000] [--concurrency 200]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.server.run import LISTEN_BACKLOG

ROOT = Path(__file__).resolve().parents[1]
SECRET = "benchmark-signing-secret"
QUESTIONS = (
    "can i add a yr 11 kid on snap",
    "who do I tell if a pupil DMs me",
    "can I use the school logo on my own blog",
    "is it ok to post sports day pics on the school fb page",
)


def _signed(body: str) -> dict[str, str]:
    ts = str(int(time.time()))
    sig = hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={sig}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


def _command(i: int, response_url: str) -> str:
    report = i % 4 == 3
    return urlencode(
        {
            "team_id": "T0BENCH",
            "channel_id": "C0BENCH",
            "user_id": f"U0BENCH{i % 50:03d}",
            "user_name": "bench",
            "command": "/report" if report else "/policy",
            "text": "" if report else QUESTIONS[i % len(QUESTIONS)],
            "response_url": response_url,
            "trigger_id": f"{i}.bench",
        }
    )


class _Listening:
    """An app served like ``policybot serve`` serves it (same listen backlog)."""

    def __init__(self, runner: web.AppRunner, port: int) -> None:
        self.runner = runner
        self.port = port

    def make_url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def close(self) -> None:
        await self.runner.cleanup()


async def _listen(app: web.Application) -> _Listening:
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=LISTEN_BACKLOG)
    await site.start()
    port = runner.addresses[0][1]
    return _Listening(runner, port)


async def _fake_slack() -> TestServer:
    async def api(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response(
            {"ok": True, "ts": "1.0", "channel": "D0", "user_id": "UBOT", "view": {"id": "V0"}}
        )

    app = web.Application()
    app.router.add_route("*", "/api/{method}", api)
    app.router.add_post("/respond", api)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


async def _measure(url: str, bodies: list[str], concurrency: int) -> tuple[list[float], float]:
    latencies: list[float] = []
    queue: asyncio.Queue[str] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    connector = aiohttp.TCPConnector(limit=concurrency)

    async def client(session: aiohttp.ClientSession) -> None:
        while not queue.empty():
            body = queue.get_nowait()
            started = time.perf_counter()
            async with session.post(url, data=body.encode(), headers=_signed(body)) as resp:
                await resp.read()
                if resp.status != 200:
                    raise RuntimeError(f"HTTP {resp.status} from {url}")
            latencies.append(time.perf_counter() - started)

    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(client(session) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return latencies, elapsed


def _line(name: str, latencies: list[float], elapsed: float) -> tuple[float, float, float]:
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    rps = len(ordered) / elapsed
    print(f"{name:<22} p50 {p50:8.1f} ms   p99 {p99:8.1f} ms   {rps:8.0f} req/s")
    return p50, p99, rps


async def run(requests: int, concurrency: int) -> int:
    """Run both measurements and print the comparison; 0 if every ack was under 3 s."""
    from adapters.server.app import create_app
    from adapters.slack.app import SLACK_KEY, install
    from bot.app import PolicyBot
    from bot.config import load_settings

    fake = await _fake_slack()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            {
                "DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
                "TRUST_CONFIG": str(ROOT / "config" / "trust.example.yaml"),
                "SLACK_BOT_TOKEN": "xoxb-bench",
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": str(fake.make_url("/api/")),
                "RUN_WORKER": "false",
            }
        )
        bot = await PolicyBot.create(settings, platforms=["slack"])
        app = create_app(settings, bot, installers=[install])
        server = await _listen(app)

        async def bare(request: web.Request) -> web.Response:
            await request.read()
            return web.Response(text="")

        bare_app = web.Application()
        bare_app.router.add_post("/slack/events", bare)
        bare_server = await _listen(bare_app)
        try:
            response_url = str(fake.make_url("/respond"))
            bodies = [_command(i, response_url) for i in range(requests)]
            await _measure(str(server.make_url("/slack/events")), bodies[:50], 10)  # warm up
            print(f"{requests} signed slash commands, {concurrency} concurrent connections")
            bare_lat, bare_time = await _measure(
                str(bare_server.make_url("/slack/events")), bodies, concurrency
            )
            slack_lat, slack_time = await _measure(
                str(server.make_url("/slack/events")), bodies, concurrency
            )
            await app[SLACK_KEY].runtime.drain(60)
            b50, b99, brps = _line("bare aiohttp handler", bare_lat, bare_time)
            s50, s99, srps = _line("policybot /slack/events", slack_lat, slack_time)
            print(
                f"ratio (policybot / bare): p50 x{s50 / b50:.1f}, p99 x{s99 / b99:.1f}, "
                f"throughput x{srps / brps:.2f}"
            )
            slowest = max(slack_lat)
            print(f"slowest ack {slowest * 1000:.0f} ms (Slack allows 3000 ms)")
            return 0 if slowest < 3.0 else 1
        finally:
            await bare_server.close()
            await server.close()
            await bot.close()
            await fake.close()


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=200)
    args = parser.parse_args(argv)
    return asyncio.run(run(args.requests, args.concurrency))


if __name__ == "__main__":
    sys.exit(main())
