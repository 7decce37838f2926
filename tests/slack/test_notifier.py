"""SlackNotifier against the fake Web API: DMs, in-place updates, and every failure mapped to
a DeliveryError the outbox can act on."""

from __future__ import annotations

import pytest

from adapters.slack.notifier import SlackNotifier
from bot.messages import Choice, Reply
from bot.notifier import Delivery, DeliveryError, Recipient
from tests.slack.conftest import HEAD
from tests.slack.fake_slack import FakeSlack

REPLY = Reply(
    text="New report SM-2026-0007 <!channel>",
    kind="incident",
    choices=[Choice("Acknowledge", "SM-2026-0007", "incident.ack", "primary")],
)


def delivery(update_ref: str | None = None) -> Delivery:
    return Delivery(7, Recipient("slack", HEAD, "Jane Smith"), REPLY, update_ref)


async def test_new_message_is_a_dm_and_returns_channel_ts(
    notifier: SlackNotifier, fake_slack: FakeSlack
) -> None:
    ref = await notifier.deliver(delivery())
    (opened,) = fake_slack.named("conversations.open")
    assert opened.args["users"] == HEAD
    (post,) = fake_slack.named("chat.postMessage")
    assert ref == f"{post.args['channel']}:1764000000.000001"
    (shown,) = [b["text"] for b in post.args["blocks"] if "<!channel>" in str(b)]
    assert shown["type"] == "plain_text"  # shown literally: no ping
    assert post.args["text"] == REPLY.text


async def test_update_edits_the_earlier_message_in_place(
    notifier: SlackNotifier, fake_slack: FakeSlack
) -> None:
    ref = await notifier.deliver(delivery("D04JSMITH01:1764000000.000009"))
    (update,) = fake_slack.named("chat.update")
    assert (update.args["channel"], update.args["ts"]) == ("D04JSMITH01", "1764000000.000009")
    assert ref == "D04JSMITH01:1764000000.000009"
    assert fake_slack.named("chat.postMessage") == []


async def test_update_of_a_deleted_message_posts_a_new_one(
    notifier: SlackNotifier, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("chat.update", error="message_not_found")
    await notifier.deliver(delivery("D04JSMITH01:1764000000.000009"))
    assert len(fake_slack.named("chat.postMessage")) == 1


async def test_rate_limit_carries_retry_after(
    notifier: SlackNotifier, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("chat.postMessage", retry_after=42)
    with pytest.raises(DeliveryError) as caught:
        await notifier.deliver(delivery())
    assert caught.value.retry_after == 42 and not caught.value.permanent


@pytest.mark.parametrize("code", ["user_not_found", "channel_not_found", "account_inactive"])
async def test_unfixable_errors_are_permanent(
    notifier: SlackNotifier, fake_slack: FakeSlack, code: str
) -> None:
    fake_slack.fail("conversations.open", error=code)
    with pytest.raises(DeliveryError) as caught:
        await notifier.deliver(delivery())
    assert caught.value.permanent
    assert code in str(caught.value) and "channel&gt;" not in str(caught.value)


async def test_server_errors_and_outages_are_retried(
    notifier: SlackNotifier, fake_slack: FakeSlack
) -> None:
    fake_slack.fail(status=500)
    with pytest.raises(DeliveryError) as caught:
        await notifier.deliver(delivery())
    assert not caught.value.permanent
    await fake_slack.close()
    with pytest.raises(DeliveryError) as down:
        await notifier.deliver(delivery())
    assert not down.value.permanent and down.value.retry_after is None
