"""Answers to questions take turns after the ack; acks, report forms and buttons go first."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

from aiohttp.test_utils import TestServer

from adapters.slack.app import SLACK_KEY
from adapters.slack.runtime import ANSWER_SLOTS
from tests.slack.conftest import SlackClient
from tests.slack.fake_slack import FakeSlack

QUESTION = "can i add a yr 11 kid on snap"


async def test_a_question_waits_for_a_slot_but_its_ack_and_a_report_form_do_not(
    server: TestServer, slack: SlackClient, fake_slack: FakeSlack
) -> None:
    runtime = server.app[SLACK_KEY].runtime
    async with AsyncExitStack() as busy:
        for _ in range(ANSWER_SLOTS):  # every slot busy, as in a burst of questions
            await busy.enter_async_context(runtime.answering())
        assert (await slack.command("/policy", QUESTION)).status == 200
        assert (await slack.command("/report")).status == 200
        await fake_slack.wait_for("views.open")  # the form opens meanwhile
        assert fake_slack.named("respond") == []  # the answer is waiting its turn
    (answer,) = await fake_slack.wait_for("respond")
    assert "pupil" in answer.args["text"].lower()


async def test_no_answer_starts_while_a_report_form_is_being_opened(
    server: TestServer, slack: SlackClient, fake_slack: FakeSlack
) -> None:
    fake_slack.hold("views.open")  # Slack is slow to open the form
    assert (await slack.command("/report")).status == 200
    await fake_slack.wait_for("views.open")
    assert (await slack.command("/policy", QUESTION)).status == 200  # acked all the same
    await asyncio.sleep(0.3)
    assert fake_slack.named("respond") == []  # the answer waits for the form
    fake_slack.release("views.open")
    (answer,) = await fake_slack.wait_for("respond")
    assert "pupil" in answer.args["text"].lower()
