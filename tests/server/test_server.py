"""The server: health endpoints, JSON logs without report details, `policybot serve`."""

from __future__ import annotations

import asyncio
import gc
import io
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestServer

from adapters.server.app import create_app
from adapters.server.logging import AGENTS_SDK_LOGGER, configure_logging
from adapters.server.run import serve
from bot.app import PolicyBot
from bot.config import load_settings

ROOT = Path(__file__).resolve().parents[2]


async def _get(server: TestServer, path: str) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session, session.get(server.make_url(path)) as resp:
        return resp.status, await resp.json()


async def _serve(settings, bot) -> TestServer:  # type: ignore[no-untyped-def]
    server = TestServer(create_app(settings, bot, installers=[]), host="127.0.0.1")
    await server.start_server()
    return server


async def test_healthz_and_readyz_when_migrated(tmp_path: Path) -> None:
    settings = load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    bot = await PolicyBot.create(settings, platforms=[])
    server = await _serve(settings, bot)
    try:
        assert await _get(server, "/healthz") == (200, {"status": "ok"})
        status, body = await _get(server, "/readyz")
        assert status == 200 and body["migrations"] == "current"
    finally:
        await server.close()
        await bot.close()


async def test_readyz_is_503_when_migrations_are_not_current(tmp_path: Path) -> None:
    settings = load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    bot = await PolicyBot.create(settings, platforms=[], migrate=False)
    server = await _serve(settings, bot)
    try:
        status, body = await _get(server, "/readyz")
        assert status == 503 and body["migrations"] == "not current"
        assert (await _get(server, "/healthz"))[0] == 200
    finally:
        await server.close()
        await bot.close()


async def test_readyz_is_503_when_the_database_is_unreachable() -> None:
    settings = load_settings({"DATABASE_URL": "postgresql://postgres@127.0.0.1:9/nowhere"})
    bot = await PolicyBot.create(settings, platforms=[], migrate=False)
    server = await _serve(settings, bot)
    try:
        status, body = await _get(server, "/readyz")
        assert status == 503 and body["database"] == "unreachable"
    finally:
        await server.close()
        await bot.close()


async def test_logs_are_json_with_request_id(tmp_path: Path) -> None:
    stream = io.StringIO()
    configure_logging("INFO", stream)
    settings = load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    bot = await PolicyBot.create(settings, platforms=[], migrate=False)
    server = await _serve(settings, bot)
    try:
        headers = {"X-Request-Id": "req-123"}
        async with (
            aiohttp.ClientSession() as session,
            session.get(server.make_url("/readyz"), headers=headers) as resp,
        ):
            assert resp.headers["X-Request-Id"] == "req-123"
    finally:
        await server.close()
        await bot.close()
        configure_logging("WARNING", io.StringIO())
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = [x for x in lines if x["logger"] == "policybot.http"]
    assert access and access[0]["request_id"] == "req-123"
    assert {"time", "level", "logger", "message", "request_id"} <= set(access[0])


def test_the_agents_sdk_logs_only_warnings_and_errors() -> None:
    """Two INFO lines per Teams reply cost server time and say nothing an operator needs;
    its DEBUG lines would hold what people typed."""
    stream = io.StringIO()
    try:
        for level in ("DEBUG", "INFO"):
            configure_logging(level, stream)
            sdk = logging.getLogger(f"{AGENTS_SDK_LOGGER}.hosting.core.connector")
            sdk.debug("activity text")
            sdk.info("Replying to activity")
            sdk.warning("connector refused")
            logging.getLogger("policybot.http").info("POST /api/messages 200")
    finally:
        configure_logging("WARNING", io.StringIO())
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [x["message"] for x in lines] == ["connector refused", "POST /api/messages 200"] * 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    return {**env, **extra}


def test_serve_lists_every_bad_setting_and_exits_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve"],
        env=_env(PORT="eighty", SLACK_BOT_TOKEN="nope", RUN_WORKER="maybe"),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 2
    problems = [line for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert len(problems) == 4, result.stderr  # PORT, RUN_WORKER, token shape, missing secret
    assert "Traceback" not in result.stderr


def test_serve_starts_answers_health_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"],
        env=_env(PORT=str(port), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert proc.poll() is None, proc.communicate()[1]
                assert time.monotonic() < deadline, "server did not become ready"
                time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    messages = [json.loads(line)["message"] for line in err.splitlines() if line.startswith("{")]
    assert any("policybot stopped" in m for m in messages)


async def test_serve_keeps_start_up_objects_out_of_garbage_collection(tmp_path: Path) -> None:
    """Full collections walked every object start-up loaded, stalling all requests for
    60-120 ms at a time under load (the Slack ack p99); serving, they are exempt."""
    port = _free_port()
    settings = load_settings(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "PORT": str(port)}
    )
    stop = asyncio.Event()
    server = asyncio.create_task(serve(settings, stop=stop))
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(300):
                try:
                    async with session.get(f"http://127.0.0.1:{port}/readyz") as resp:
                        if resp.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    assert not server.done(), server.exception()
                await asyncio.sleep(0.1)
        frozen = gc.get_freeze_count()
    finally:
        stop.set()
        await asyncio.wait_for(server, 30)
    assert frozen > 0, "what start-up loaded (libraries, KB, models) is exempt"
    assert gc.get_freeze_count() == 0, "stopping hands them back to the collector"


async def test_the_policy_page_serves_the_whole_policy_and_campaigns_link_to_it(
    tmp_path: Path,
) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    settings = load_settings({**env, "PUBLIC_URL": "https://policybot.example.org/"})
    assert settings.public_url == "https://policybot.example.org"
    bot = await PolicyBot.create(settings, platforms=[])
    app = create_app(settings, bot)  # every installer, as `policybot serve` mounts them
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        url = server.make_url("/policy")
        async with aiohttp.ClientSession() as session, session.get(url) as resp:
            assert resp.status == 200 and resp.content_type == "text/html"
            page = await resp.text()
        policy = (ROOT / "policy_kb" / "social-media-policy.txt").read_text(encoding="utf-8")
        assert "Social Media Policy (version 1)" in page
        line = next(ln for ln in policy.splitlines() if "current pupil of any age" in ln)
        assert line.strip().replace("&", "&amp;").replace("<", "&lt;") in page
        assert bot.campaigns.service.policy_url == "https://policybot.example.org/policy"
    finally:
        await server.close()
        await bot.close()
    # without PUBLIC_URL nobody is sent a link that may not open
    plain = await PolicyBot.create(load_settings(env), platforms=[])
    try:
        assert plain.campaigns.service.policy_url is None
    finally:
        await plain.close()
