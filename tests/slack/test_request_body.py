"""Request bodies as a network delivers them: in several TCP segments, some time apart.

Raw HTTP/1.1 over a loopback socket, so the test decides exactly when each piece arrives.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

from aiohttp.test_utils import TestServer

from tests.slack.conftest import REPORTER, sign
from tests.slack.fake_slack import FakeSlack

FORM = "application/x-www-form-urlencoded"


async def _send_in_pieces(
    server: TestServer, head: str, pieces: list[bytes], pause: float = 0.2
) -> int:
    """Send the request head, then each piece ``pause`` seconds apart; the HTTP status."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(head.encode())
        for piece in pieces:
            writer.write(piece)
            await writer.drain()
            await asyncio.sleep(pause)
        status_line = await asyncio.wait_for(reader.readline(), 10)
        return int(status_line.split()[1])
    finally:
        writer.close()


def _head(headers: dict[str, str]) -> str:
    lines = ["POST /slack/events HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return "\r\n".join(lines) + "\r\n\r\n"


async def test_a_body_arriving_in_two_segments_is_read_whole(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    question = "can i add a yr 11 kid on snap? " + "more words " * 200
    body = urlencode(
        {
            "team_id": "T0SCHOOL",
            "channel_id": "C0STAFF01",
            "user_id": REPORTER,
            "user_name": "someone",
            "command": "/policy",
            "text": question,
            "response_url": fake_slack.response_url("split"),
            "trigger_id": "1337.44.trigger",
        }
    ).encode()
    headers = {"Content-Type": FORM, "Content-Length": str(len(body)), **sign(body.decode())}
    status = await _send_in_pieces(server, _head(headers), [body[:1000], body[1000:]])
    assert status == 200  # the signature covers the whole body, so a cut one gets 401
    (answer,) = await fake_slack.wait_for("respond")
    assert "pupil" in answer.args["text"].lower()


async def test_a_chunked_body_over_64kb_is_refused_with_413(server: TestServer) -> None:
    body = urlencode({"command": "/policy", "text": "x" * (70 * 1024)}).encode()
    headers = {"Content-Type": FORM, "Transfer-Encoding": "chunked", **sign(body.decode())}
    half = len(body) // 2
    pieces = [f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in (body[:half], body[half:])]
    status = await _send_in_pieces(server, _head(headers), [*pieces, b"0\r\n\r\n"], pause=0.05)
    assert status == 413
