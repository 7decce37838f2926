"""Signed-request verification, payload size limits, and identity by user id only."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest

from adapters.slack.identity import UnknownSlackUser, actor_from_body
from tests.slack.conftest import REPORTER, SlackClient, sign
from tests.slack.fake_slack import FakeSlack

BODY = urlencode({"command": "/policy", "text": "hi", "user_id": REPORTER, "team_id": "T0"})
FORM = "application/x-www-form-urlencoded"


async def test_bad_signature_is_rejected_with_401(
    slack: SlackClient, fake_slack: FakeSlack
) -> None:
    resp = await slack.post(BODY, FORM, headers=sign(BODY, secret="not-the-secret"))
    assert resp.status == 401
    assert fake_slack.calls == []


async def test_stale_signature_is_rejected_with_401(slack: SlackClient) -> None:
    resp = await slack.post(BODY, FORM, headers=sign(BODY, int(time.time()) - 10 * 60))
    assert resp.status == 401


async def test_missing_signature_is_rejected_with_401(slack: SlackClient) -> None:
    assert (await slack.post(BODY, FORM, headers={})).status == 401


async def test_tampered_body_is_rejected_with_401(slack: SlackClient) -> None:
    headers = sign(BODY)
    resp = await slack.post(BODY.replace("hi", "bye"), FORM, headers=headers)
    assert resp.status == 401


async def test_bodies_over_64kb_are_refused_with_413(slack: SlackClient) -> None:
    body = urlencode({"command": "/policy", "text": "x" * (65 * 1024)})
    assert (await slack.post(body, FORM)).status == 413


async def test_well_signed_request_is_accepted(slack: SlackClient) -> None:
    assert (await slack.command("/policy", "who is the DSL")).status == 200


def test_actor_is_the_user_id_never_the_display_name() -> None:
    actor = actor_from_body({"user": {"id": "U04JSMITH01", "username": "Omar Khan"}})
    assert actor.user_id == "U04JSMITH01"
    assert actor.key == "slack:U04JSMITH01"
    command = actor_from_body({"user_id": "W0ENTERPRISE", "user_name": "U04OKHAN002"})
    assert command.user_id == "W0ENTERPRISE"


@pytest.mark.parametrize("body", [{}, {"user": {"username": "Jane"}}, {"user_id": "Jane Smith"}])
def test_payload_without_a_user_id_is_refused(body: dict) -> None:
    with pytest.raises(UnknownSlackUser):
        actor_from_body(body)
