"""A fake Bot Framework connector service (the Teams side of the bot's outbound calls).

An aiohttp app on loopback recording every call the bot makes:
``POST /v3/conversations/{id}/activities`` (send), ``POST .../activities/{activity_id}``
(reply), ``PUT .../activities/{activity_id}`` (update in place), ``POST /v3/conversations``
(create a 1:1 chat for a proactive message) and ``GET .../members`` (a team's members).
It answers like the real service (``{"id": ...}``) and can be told to fail on command:
``fail_next(status, times=, retry_after=)`` or ``down()``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.teams.card_schema import assert_valid_cards
from tests.teams.card_text import texts, walk


@dataclass
class Call:
    """One recorded request."""

    method: str
    path: str
    conversation_id: str | None
    activity_id: str | None
    body: dict[str, Any]
    authorization: str | None
    created_id: str | None = None  # the id the fake gave a new message (for later updates)

    @property
    def card(self) -> dict[str, Any] | None:
        """The Adaptive Card of the activity, if it carries one."""
        for att in self.body.get("attachments") or []:
            if att.get("contentType") == "application/vnd.microsoft.card.adaptive":
                content: dict[str, Any] = att["content"]
                return content
        return None

    @property
    def text(self) -> str:
        """Everything a person would read: the text, every card text block, fact and label."""
        parts = [self.body.get("text") or ""]
        card = self.card
        if card:
            parts.extend(_card_texts(card.get("body", [])))
        return "\n".join(p for p in parts if p)


def _card_texts(elements: list[dict[str, Any]]) -> list[str]:
    out = texts(elements)
    out += [str(el["label"]) for el in walk(elements) if "label" in el]
    return out


@dataclass
class _Failure:
    status: int
    times: int
    retry_after: int | None


@dataclass
class FakeConnector:
    """Records calls; fails on command. Use ``async with FakeConnector() as fc``."""

    calls: list[Call] = field(default_factory=list)  # answered successfully
    refused: int = 0  # calls answered with a failure
    #: conversation (team) id -> its members as ChannelAccount JSON, for ``GET .../members``
    members: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _failures: list[_Failure] = field(default_factory=list)
    _down: bool = False
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _server: TestServer | None = None

    @property
    def url(self) -> str:
        """The service URL to put in activities' ``serviceUrl`` (ends with ``/``)."""
        assert self._server is not None, "FakeConnector is not started"
        return str(self._server.make_url("/"))

    def fail_next(self, status: int, *, times: int = 1, retry_after: int | None = None) -> None:
        """Answer the next ``times`` calls with ``status`` (and ``Retry-After`` if given)."""
        self._failures.append(_Failure(status, times, retry_after))

    def down(self) -> None:
        """Answer every call with 503 until :meth:`up`."""
        self._down = True

    def up(self) -> None:
        """Recover from :meth:`down`."""
        self._down = False

    def sent(self, conversation_id: str | None = None) -> list[Call]:
        """Successful new messages (POST activities), optionally to one conversation."""
        return [
            c
            for c in self.calls
            if c.method == "POST"
            and c.conversation_id is not None
            and (conversation_id is None or c.conversation_id == conversation_id)
        ]

    def updates(self) -> list[Call]:
        """Recorded in-place updates (PUT)."""
        return [c for c in self.calls if c.method == "PUT"]

    def created(self) -> list[Call]:
        """Recorded create-conversation calls."""
        return [c for c in self.calls if c.method == "POST" and c.path == "/v3/conversations"]

    def _failure(self) -> web.Response | None:
        if self._down:
            return web.json_response({"error": {"code": "ServiceUnavailable"}}, status=503)
        while self._failures:
            failure = self._failures[0]
            if failure.times <= 0:
                self._failures.pop(0)
                continue
            failure.times -= 1
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else None
            return web.json_response(
                {"error": {"code": "Failure", "message": f"fake {failure.status}"}},
                status=failure.status,
                headers=headers,
            )
        return None

    async def _record(self, request: web.Request) -> tuple[Call, web.Response | None]:
        body = await request.json() if request.can_read_body else {}
        call = Call(
            method=request.method,
            path=request.path,
            conversation_id=request.match_info.get("conversation_id"),
            activity_id=request.match_info.get("activity_id"),
            body=body,
            authorization=request.headers.get("Authorization"),
        )
        failure = self._failure()
        if failure is None:
            self.calls.append(call)
        else:
            self.refused += 1
        return call, failure

    async def _send(self, request: web.Request) -> web.Response:
        call, failure = await self._record(request)
        if failure:
            return failure
        call.created_id = f"act-{next(self._ids)}"
        return web.json_response({"id": call.created_id})

    async def _update(self, request: web.Request) -> web.Response:
        call, failure = await self._record(request)
        return failure or web.json_response({"id": call.activity_id})

    async def _create(self, request: web.Request) -> web.Response:
        call, failure = await self._record(request)
        if failure:
            return failure
        members = call.body.get("members") or [{}]
        return web.json_response(
            {"id": f"a:1on1-{members[0].get('id', 'x')}", "serviceUrl": self.url}
        )

    async def _members(self, request: web.Request) -> web.Response:
        call, failure = await self._record(request)
        if failure:
            return failure
        members = self.members.get(call.conversation_id or "")
        if members is None:
            return web.json_response({"error": {"code": "ConversationNotFound"}}, status=404)
        return web.json_response(members)

    def app(self) -> web.Application:
        """The aiohttp application."""
        app = web.Application()
        app.router.add_get("/v3/conversations/{conversation_id}/members", self._members)
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation_id}/activities", self._send)
        app.router.add_post(
            "/v3/conversations/{conversation_id}/activities/{activity_id}", self._send
        )
        app.router.add_put(
            "/v3/conversations/{conversation_id}/activities/{activity_id}", self._update
        )
        return app

    async def __aenter__(self) -> FakeConnector:
        self._server = TestServer(self.app(), host="127.0.0.1")
        await self._server.start_server()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            await self._server.close()
        if exc[0] is None:  # every card the bot sent, checked with Microsoft's parser
            assert_valid_cards([c.card for c in self.calls if c.card is not None])
