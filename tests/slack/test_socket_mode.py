"""Socket Mode end to end, offline: `serve()` with ``SLACK_APP_TOKEN`` set connects the real
slack_sdk Socket Mode client to a fake Slack (``SLACK_API_URL``), which opens a websocket,
sends envelopes, and checks the acks and the answers that come back to its Web API."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.server.run import serve
from bot.config import load_settings
from tests.slack.conftest import REPORTER, ROOT, SECRET, TOKEN, SlackClient
from tests.slack.fake_socket import APP_ID, APP_TOKEN, FakeSocketSlack
from tests.slack.test_policy_qa import _texts
from tests.slack.test_report_flow import GOOD, submission

pytestmark = pytest.mark.timeout(60)

QUESTION = "can i add a yr 11 kid on snap"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def fake() -> AsyncIterator[FakeSocketSlack]:
    """The fake Slack: Web API, response URLs and the Socket Mode websocket."""
    fake = FakeSocketSlack()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def http(tmp_path: Path, fake: FakeSocketSlack) -> AsyncIterator[SlackClient]:
    """`policybot serve` running in Socket Mode against ``fake``, connected; yields a
    client for the same server's HTTP endpoint (to compare the two paths)."""
    port = _free_port()
    settings = load_settings(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'policybot.sqlite3'}",
            "TRUST_CONFIG": str(ROOT / "config" / "trust.example.yaml"),
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_APP_TOKEN": APP_TOKEN,
            "SLACK_API_URL": fake.api_url,
            "PORT": str(port),
            "RUN_WORKER": "false",
        }
    )
    stop = asyncio.Event()
    server = asyncio.create_task(serve(settings, stop=stop))
    connected = asyncio.create_task(fake.wait_connected())
    await asyncio.wait({server, connected}, return_when=asyncio.FIRST_COMPLETED)
    if server.done():  # serve() failed before connecting: show why
        connected.cancel()
        server.result()
    await connected
    try:
        async with aiohttp.ClientSession() as session:
            yield SlackClient(session, f"http://127.0.0.1:{port}/slack/events", fake)
    finally:
        stop.set()
        await asyncio.wait_for(server, 30)
    assert not fake.open_sockets, "shutdown closes the socket"


def command(
    fake: FakeSocketSlack, name: str, text: str, channel: str = "C0SOCKET1"
) -> dict[str, Any]:
    """A slash command's fields as a Socket Mode payload carries them."""
    return {
        "token": "legacy",
        "team_id": "T0SCHOOL",
        "team_domain": "school",
        "channel_id": channel,
        "channel_name": "staffroom",
        "user_id": REPORTER,
        "user_name": "tcooper",
        "command": name,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": fake.response_url("sock"),
        "trigger_id": "1337.60.trigger",
    }


def interactive(payload: dict[str, Any]) -> dict[str, Any]:
    """An interactivity payload as a Socket Mode ``interactive`` envelope carries it."""
    return {
        "team": {"id": "T0SCHOOL", "domain": "school"},
        "api_app_id": APP_ID,
        "token": "legacy",
        "is_enterprise_install": False,
        **payload,
    }


async def test_policy_command_is_acked_and_answered_like_the_http_path(
    http: SlackClient, fake: FakeSocketSlack
) -> None:
    # the client asked the fake (SLACK_API_URL) for a URL once, with the xapp- token
    assert len(fake.named("apps.connections.open")) == 1
    assert fake.named("failed:apps.connections.open") == []
    started = time.perf_counter()
    envelope_id = await fake.envelope("slash_commands", command(fake, "/policy", QUESTION))
    ack = await fake.wait_ack(envelope_id)
    acked = time.perf_counter() - started
    assert ack == {"envelope_id": envelope_id}  # a plain ack: the answer goes to response_url
    assert acked < 3.0  # Slack's limit for an acknowledgement
    (answer,) = await fake.wait_for("respond")
    assert answer.args["response_type"] == "ephemeral"
    assert "*Not allowed*" in _texts(answer.args["blocks"])
    assert "Designated Safeguarding Lead" in answer.args["text"]

    resp = await http.command("/policy", QUESTION)  # the same question over HTTP
    assert resp.status == 200
    over_http = (await fake.wait_for("respond", 2))[1]
    assert over_http.args["text"] == answer.args["text"]
    assert over_http.args["blocks"] == answer.args["blocks"]


async def test_follow_up_button_over_the_socket_updates_the_answer(
    http: SlackClient, fake: FakeSocketSlack
) -> None:
    question = "an ex-pupil wants to follow me on instagram"
    await fake.envelope("slash_commands", command(fake, "/policy", question))
    (first,) = await fake.wait_for("respond")
    button = next(
        el
        for b in first.args["blocks"]
        if b["type"] == "actions"
        for el in b["elements"]
        if el["action_id"].startswith("qa.fact#")
    )
    press = interactive(
        {
            "type": "block_actions",
            "user": {"id": REPORTER, "username": "tcooper", "team_id": "T0SCHOOL"},
            "channel": {"id": "C0SOCKET1", "name": "staffroom"},
            "container": {
                "type": "message",
                "channel_id": "C0SOCKET1",
                "message_ts": "1764000000.000100",
                "is_ephemeral": True,
            },
            "trigger_id": "1337.61.trigger",
            "response_url": fake.response_url("btn"),
            "actions": [
                {
                    "type": "button",
                    "action_id": button["action_id"],
                    "block_id": "b",
                    "value": button["value"],
                    "action_ts": "1764000001.000000",
                }
            ],
        }
    )
    envelope_id = await fake.envelope("interactive", press, accepts_response_payload=False)
    assert await fake.wait_ack(envelope_id) == {"envelope_id": envelope_id}
    second = (await fake.wait_for("respond", 2))[1]
    assert second.args["replace_original"] is True
    assert second.args["text"] != first.args["text"]  # answered again with the fact


async def test_report_modal_over_the_socket_acks_with_response_actions(
    http: SlackClient, fake: FakeSocketSlack
) -> None:
    await fake.envelope("slash_commands", command(fake, "/report", ""))
    (opened,) = await fake.wait_for("views.open")
    assert opened.args["trigger_id"] == "1337.60.trigger"
    form = opened.args["view"]

    async def submit(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
        envelope_id = await fake.envelope(
            "interactive", interactive(submission(REPORTER, view, answers))
        )
        ack = await fake.wait_ack(envelope_id)
        assert ack["envelope_id"] == envelope_id
        return dict(ack["payload"])

    errors = await submit(form, {**GOOD, "seen": "too"})  # field errors ride on the ack
    assert errors["response_action"] == "errors" and set(errors["errors"]) == {"seen"}
    confirm = await submit(form, GOOD)
    assert confirm["response_action"] == "update"
    assert confirm["view"]["callback_id"] == "report.confirm"
    sent = await submit(confirm["view"], {})
    assert sent["response_action"] == "update"  # the receipt, once the report is stored
    assert "saved with reference SM-2026-" in json.dumps(sent["view"])


@pytest.mark.parametrize("how", ["socket dropped", "disconnect warning"])
async def test_reconnects_with_a_new_url_and_keeps_answering(
    http: SlackClient, fake: FakeSocketSlack, how: str
) -> None:
    first = fake.open_sockets[0]
    if how == "socket dropped":
        await fake.drop()
    else:
        await fake.warn_disconnect()
    await fake.wait_connected(2)
    assert len(fake.named("apps.connections.open")) == 2  # each URL works once
    await fake.until(lambda: first.closed, 10.0, lambda: "the old socket is still open")
    assert len(fake.open_sockets) == 1
    envelope_id = await fake.envelope("slash_commands", command(fake, "/policy", QUESTION))
    assert await fake.wait_ack(envelope_id) == {"envelope_id": envelope_id}
    (answer,) = await fake.wait_for("respond")
    assert "*Not allowed*" in _texts(answer.args["blocks"])


def _event_envelope(event: dict[str, Any], event_id: str, retry: int | None) -> dict[str, Any]:
    """An Events API envelope as Slack sends it over the socket (``retry_attempt`` on a
    redelivery after a slow or failed first one)."""
    envelope: dict[str, Any] = {
        "envelope_id": f"env-{event_id}-{retry or 0}",
        "type": "events_api",
        "accepts_response_payload": False,
        "payload": {
            "token": "legacy",
            "team_id": "T0SCHOOL",
            "api_app_id": APP_ID,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": event,
        },
    }
    if retry is not None:
        envelope |= {"retry_attempt": retry, "retry_reason": "timeout"}
    return envelope


async def test_an_event_sent_again_is_acked_but_handled_once_on_either_path(
    http: SlackClient, fake: FakeSocketSlack
) -> None:
    event = {
        "type": "message",
        "channel_type": "im",
        "user": REPORTER,
        "text": "help",
        "channel": "D0TCOOPR10",
        "ts": "1764000400.000100",
    }
    first = _event_envelope(event, "Ev0SOCKET1", None)
    await fake.send(first)
    assert await fake.wait_ack(first["envelope_id"]) == {"envelope_id": first["envelope_id"]}
    await fake.wait_for("chat.postMessage")
    for attempt in (1, 2):  # Slack's redeliveries: acked (or Slack keeps trying), not handled
        again = _event_envelope(event, "Ev0SOCKET1", attempt)
        await fake.send(again)
        assert await fake.wait_ack(again["envelope_id"]) == {"envelope_id": again["envelope_id"]}
    # the same record as the HTTP path: a retry arriving there is recognised too
    assert (await http.event(event, event_id="Ev0SOCKET1", retry=3)).status == 200
    new = _event_envelope({**event, "ts": "1764000400.000200"}, "Ev0SOCKET2", None)
    await fake.send(new)  # a new event is answered
    await fake.wait_ack(new["envelope_id"])
    answers = await fake.wait_for("chat.postMessage", 2)
    await asyncio.sleep(0.5)  # time for a wrongly handled retry to answer as well
    assert len(fake.named("chat.postMessage")) == len(answers) == 2
