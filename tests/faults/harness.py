"""Real ``policybot serve`` / ``policybot worker`` processes, and ways to break what they use.

- :func:`start` runs a policybot command as its own process (``python -m bot``) with the
  given environment, waits until it is ready, and :meth:`Proc.kill9` ends it with SIGKILL.
- :func:`fresh_database` makes an empty database (a SQLite file, or a PostgreSQL database
  of its own, dropped afterwards): a process cannot be confined to a test schema.
- :class:`CutProxy` stands between a process and PostgreSQL and can drop every connection
  and refuse new ones for a while (the database "dropped" as a network failure shows it).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.slack.blocks import pack_metadata
from benchmarks.incident_submissions import ANSWERS
from tests.slack.conftest import SECRET, TOKEN, sign

ROOT = Path(__file__).resolve().parents[2]
TRUST = ROOT / "config" / "trust.example.yaml"


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Proc:
    """A policybot process and its log."""

    popen: subprocess.Popen[bytes]
    log: Path
    port: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill9(self) -> None:
        """SIGKILL: no shutdown, nothing flushed."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill9()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def env_for(
    database_url: str, slack_api_url: str, cache: Path, **extra: str | int
) -> dict[str, str]:
    """The environment of a policybot process against the fake Slack and ``database_url``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "TEAMS_", "CONNECTIONS__", "SMTP_"))
    }
    env.update(
        DATABASE_URL=database_url,
        TRUST_CONFIG=str(TRUST),
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack_api_url,
        POLICYBOT_CACHE=str(cache),
        UNANSWERED_LOG=str(cache / "unanswered.jsonl"),
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


async def start(
    command: list[str], env: Mapping[str, str], log: Path, *, ready: str, timeout: float = 90
) -> Proc:
    """Start ``policybot COMMAND`` and wait for ``ready`` ("http" = /healthz answers, else a
    line its output must contain)."""
    port = int(env["PORT"]) if "PORT" in env else None
    handle = log.open("wb")
    popen = subprocess.Popen(
        [sys.executable, "-m", "bot", *command],
        env=dict(env),
        stdout=handle,
        stderr=subprocess.STDOUT,
        cwd=str(ROOT),
    )
    proc = Proc(popen, log, port)
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if popen.poll() is not None:
                raise AssertionError(f"policybot {command} exited:\n{proc.output()[-3000:]}")
            if ready == "http":
                with contextlib.suppress(aiohttp.ClientError, OSError):
                    async with session.get(f"{proc.url}/healthz") as resp:
                        if resp.status == 200:
                            return proc
            elif ready in proc.output():
                return proc
            await asyncio.sleep(0.2)
    proc.kill9()
    raise AssertionError(f"policybot {command} not ready:\n{proc.output()[-3000:]}")


@contextlib.asynccontextmanager
async def fresh_database(backend: str, tmp: Path) -> AsyncIterator[str]:
    """The URL of a new empty database (SQLite file, or a PostgreSQL database of its own)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'policybot.sqlite3'}"
        return
    base = os.environ["TEST_DATABASE_URL"]
    name = f"fault_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(
        base.replace("postgresql://", "postgresql+asyncpg://", 1), isolation_level="AUTOCOMMIT"
    )
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.rsplit("/", 1)[0] + f"/{name}"
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


REPORT_ANSWERS = ANSWERS  # the answers of a complete report form (as the benchmark sends)


def send_report_payload(user: str, n: int, key: str) -> dict[str, Any]:
    """The ``view_submission`` Slack sends when ``user`` presses "Send report" on the
    confirmation modal whose submission key is ``key`` (report number ``n``)."""
    answers = {**REPORT_ANSWERS, "seen": f"fault test report number {n}"}
    meta = pack_metadata({"answers": answers, "k": key})
    return {
        "type": "view_submission",
        "team": {"id": "T0SCHOOL"},
        "api_app_id": "A0POLICY",
        "user": {"id": user, "username": "someone"},
        "trigger_id": "1337.50.trigger",
        "view": {
            "type": "modal",
            "id": f"V{n:08d}",
            "hash": "h1",
            "callback_id": "report.confirm",
            "private_metadata": meta,
            "state": {"values": {}},
        },
    }


async def press_send(
    session: aiohttp.ClientSession, url: str, payload: dict[str, Any]
) -> dict[str, Any]:
    """POST a signed view_submission; the JSON Slack would get back."""
    body = urlencode({"payload": json.dumps(payload)})
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
    async with session.post(f"{url}/slack/events", data=body.encode(), headers=headers) as resp:
        assert resp.status == 200, await resp.text()
        raw = await resp.text()
        return json.loads(raw) if raw else {}


def view_text(response: Mapping[str, Any]) -> str:
    """All the text of the modal a response_action=update shows."""
    view = response.get("view") or {}
    return json.dumps(view.get("blocks") or [], ensure_ascii=False)


@dataclass
class CutProxy:
    """A TCP proxy to PostgreSQL that can cut every connection and refuse new ones."""

    target_port: int = 5432
    port: int = field(default_factory=free_port)
    refusing: bool = False
    _server: asyncio.Server | None = None
    _links: set[asyncio.StreamWriter] = field(default_factory=set)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def close(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def cut(self) -> None:
        """Drop every open connection at once."""
        for writer in list(self._links):
            with contextlib.suppress(Exception):
                writer.transport.abort()
        self._links.clear()

    async def outage(self, seconds: float) -> None:
        """Cut everything and refuse new connections for ``seconds``."""
        self.refusing = True
        self.cut()
        await asyncio.sleep(seconds)
        self.refusing = False

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refusing:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self._links.update((writer, up_writer))

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            with contextlib.suppress(Exception):
                dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._links.discard(writer)
        self._links.discard(up_writer)
