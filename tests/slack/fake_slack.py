"""A small fake of Slack's Web API (and response URLs) on a loopback port.

It answers like Slack (``ok``, ``ts``, ``channel``, ``view``), records every call, and can be
told to fail: an HTTP status (e.g. 500), an ``ok: false`` error code, or 429 with
``Retry-After``. The real ``AsyncWebClient`` is pointed at it through ``SLACK_API_URL``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.slack.payload_check import problems as payload_problems

BOT_USER = "UPOLICYBOT1"
#: the names ``users.info`` gives (member ID -> real name); anyone else has none
NAMES = {"U04JSMITH01": "Jane Smith", "U04OKHAN002": "Omar Khan"}


@dataclass
class Call:
    """One request the fake received."""

    method: str
    args: dict[str, Any]


@dataclass
class Failure:
    """How the next calls to a method fail."""

    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    times: int | None = None  # None = until cleared


@dataclass
class FakeSlack:
    """The fake's state: recorded calls and planned failures."""

    calls: list[Call] = field(default_factory=list)
    #: what Slack would refuse in the payloads received (tests/slack/payload_check.py)
    problems: list[str] = field(default_factory=list)
    #: how many payloads with blocks or a view were checked
    checked: int = 0
    failures: dict[str, Failure] = field(default_factory=dict)
    #: method -> gate: calls to it wait (unanswered) until :meth:`release`
    held: dict[str, asyncio.Event] = field(default_factory=dict)
    #: method -> seconds: calls take effect at once but are answered this much later
    slow: dict[str, float] = field(default_factory=dict)
    #: channel -> messages posted there (with their metadata), newest last
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: channel id -> member user ids, for ``conversations.members`` (paged like Slack)
    channel_members: dict[str, list[str]] = field(default_factory=dict)
    server: TestServer | None = None
    #: users.info: member ids Slack does not know (user_not_found) / deactivated ones
    unknown_users: set[str] = field(default_factory=set)
    deleted_users: set[str] = field(default_factory=set)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    # -- control ---------------------------------------------------------------------------
    @property
    def api_url(self) -> str:
        """The base URL to give ``AsyncWebClient`` (``SLACK_API_URL``)."""
        assert self.server is not None
        return str(self.server.make_url("/api/"))

    def response_url(self, name: str = "r1") -> str:
        """A response URL (for slash commands and buttons) served by the fake."""
        assert self.server is not None
        return str(self.server.make_url(f"/respond/{name}"))

    def fail(
        self,
        method: str = "*",
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
        times: int | None = None,
    ) -> None:
        """Make calls to ``method`` (``*`` = every method) fail until :meth:`recover`."""
        if status == 200 and error is None:
            error = "fatal_error"
        self.failures[method] = Failure(status, error, retry_after, times)

    def hold(self, method: str) -> None:
        """Keep calls to ``method`` waiting for their answer until :meth:`release`."""
        self.held[method] = asyncio.Event()

    def release(self, method: str) -> None:
        """Answer the held calls to ``method`` and stop holding it."""
        self.held.pop(method).set()

    def recover(self) -> None:
        """Stop failing."""
        self.failures.clear()

    def named(self, method: str) -> list[Call]:
        """Calls to ``method`` so far (responses included as ``respond``)."""
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 20.0) -> list[Call]:
        """Wait until ``method`` has been called ``count`` times; return those calls."""
        deadline = time.monotonic() + timeout
        while len(self.named(method)) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                seen = [c.method for c in self.calls]
                raise AssertionError(f"{method} called {len(self.named(method))}x; saw {seen}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)
        return self.named(method)

    # -- server ----------------------------------------------------------------------------
    def app(self) -> web.Application:
        """The aiohttp app of the fake."""
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/respond/{name}", self._respond)
        return app

    async def start(self) -> None:
        """Serve on 127.0.0.1 at a free port."""
        self.server = TestServer(self.app(), host="127.0.0.1")
        await self.server.start_server()

    async def close(self) -> None:
        """Stop serving."""
        if self.server is not None:
            await self.server.close()

    def _record(self, method: str, args: dict[str, Any]) -> None:
        self.calls.append(Call(method, args))
        if "blocks" in args or "view" in args:
            self.checked += 1
            self.problems.extend(payload_problems(method, args))
        self._changed.set()

    async def _respond(self, request: web.Request) -> web.Response:
        body = await request.json()
        if isinstance(body.get("blocks"), str):
            body["blocks"] = json.loads(body["blocks"])
        self._record("respond", body)
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.method == "GET":
            args: dict[str, Any] = {}
        elif request.content_type == "application/json":
            args = await request.json()
        else:
            args = dict(await request.post())
        args = {**dict(request.query), **args}
        for key in ("blocks", "view"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        failure = self.failures.get(method) or self.failures.get("*")
        if failure is not None:
            if failure.times is not None:
                failure.times -= 1
                if failure.times <= 0:
                    self.failures = {k: v for k, v in self.failures.items() if v is not failure}
            self._record(f"failed:{method}", args)
            if failure.retry_after is not None:
                return web.json_response(
                    {"ok": False, "error": "ratelimited"},
                    status=429,
                    headers={"Retry-After": str(failure.retry_after)},
                )
            if failure.status != 200:
                return web.Response(status=failure.status, text="Internal Server Error")
            return web.json_response({"ok": False, "error": failure.error})
        self._record(method, args)
        answer = self._answer(method, args)
        gate = self.held.get(method)
        if gate is not None:
            await gate.wait()
        delay = self.slow.get(method) or self.slow.get("*")
        if delay:
            await asyncio.sleep(delay)
        return web.json_response(answer)

    def posted(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Messages posted (in ``channel``, or anywhere), as the fake stored them."""
        if channel is not None:
            return list(self.messages.get(channel, []))
        return [m for msgs in self.messages.values() for m in msgs]

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        ok: dict[str, Any] = {"ok": True}
        if method == "auth.test":
            return {**ok, "user_id": BOT_USER, "bot_id": "BPOLICY", "team_id": "T0SCHOOL"}
        if method == "users.info":
            user = str(args.get("user", ""))
            if user in self.unknown_users:
                return {"ok": False, "error": "user_not_found"}
            profile = {"real_name": NAMES[user]} if user in NAMES else {}
            return {
                **ok,
                "user": {"id": user, "deleted": user in self.deleted_users, "profile": profile},
            }
        if method == "conversations.open":
            return {**ok, "channel": {"id": "D" + str(args.get("users", "X"))[1:]}}
        if method in {"chat.postMessage", "chat.update"}:
            ts = args.get("ts") or f"1764000000.{next(self._ts):06d}"
            if method == "chat.postMessage":
                metadata = args.get("metadata")
                if isinstance(metadata, str):
                    metadata = json.loads(metadata)
                message = {"ts": ts, "text": args.get("text"), "metadata": metadata}
                self.messages.setdefault(str(args.get("channel")), []).append(message)
            return {**ok, "channel": args.get("channel"), "ts": ts}
        if method == "conversations.history":
            newest_first = list(reversed(self.messages.get(str(args.get("channel")), [])))
            limit = int(args.get("limit") or 100)
            return {**ok, "messages": newest_first[:limit], "has_more": False}
        if method == "chat.postEphemeral":
            return {**ok, "message_ts": f"1764000000.{next(self._ts):06d}"}
        if method in {"views.open", "views.update", "views.publish", "views.push"}:
            view = args.get("view") or {}
            view_id = args.get("view_id") or "V0FAKE"
            return {**ok, "view": {**view, "id": view_id, "hash": "h1"}}
        if method == "conversations.members":
            if str(args.get("channel", "")) not in self.channel_members:
                return {"ok": False, "error": "not_in_channel"}
            members = self.channel_members[str(args.get("channel", ""))]
            start = int(args.get("cursor") or 0)
            end = start + int(args.get("limit") or 100)
            more = {"next_cursor": str(end) if end < len(members) else ""}
            return {**ok, "members": members[start:end], "response_metadata": more}
        if method == "chat.getPermalink":
            channel, ts = args.get("channel"), str(args.get("message_ts", "")).replace(".", "")
            return {**ok, "permalink": f"https://school.slack.com/archives/{channel}/p{ts}"}
        return ok
