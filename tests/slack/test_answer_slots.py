"""Answers to questions take turns after the ack; acks and report forms never wait for them."""

from __future__ import annotations

from aiohttp.test_utils import TestServer

from adapters.slack.app import SLACK_KEY
from adapters.slack.runtime import ANSWER_SLOTS
from tests.slack.conftest import SlackClient
from tests.slack.fake_slack import FakeSlack


async def test_a_question_waits_for_a_slot_but_its_ack_and_a_report_form_do_not(
    server: TestServer, slack: SlackClient, fake_slack: FakeSlack
) -> None:
    slots = server.app[SLACK_KEY].runtime.answer_slots
    for _ in range(ANSWER_SLOTS):  # every slot busy, as in a burst of questions
        await slots.acquire()
    try:
        assert (await slack.command("/policy", "can i add a yr 11 kid on snap")).status == 200
        assert (await slack.command("/report")).status == 200
        await fake_slack.wait_for("views.open")  # the form opens meanwhile
        assert fake_slack.named("respond") == []  # the answer is waiting its turn
    finally:
        for _ in range(ANSWER_SLOTS):
            slots.release()
    (answer,) = await fake_slack.wait_for("respond")
    assert "pupil" in answer.args["text"].lower()
