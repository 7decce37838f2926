"""SlackNotifier against the fake Web API: DMs, in-place updates, and every failure mapped to
a DeliveryError the outbox can act on."""

from __future__ import annotations

import pytest

from adapters.slack.notifier import SlackNotifier
from bot.delivery.pauses import Paused, Pauses
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
    assert post.args["text"] == "New report SM-2026-0007 &lt;!channel&gt;"  # nothing pings


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
    now = [1000.0]
    notifier.pauses = Pauses(clock=lambda: now[0])
    fake_slack.fail(status=500)
    with pytest.raises(DeliveryError) as caught:
        await notifier.deliver(delivery())
    assert not caught.value.permanent and caught.value.attempted
    await fake_slack.close()
    with pytest.raises(DeliveryError) as paused:  # Slack is paused for everyone: no call made
        await notifier.deliver(delivery())
    assert not paused.value.attempted and paused.value.retry_after == pytest.approx(2)
    now[0] += 2.5
    with pytest.raises(DeliveryError) as down:
        await notifier.deliver(delivery())
    assert not down.value.permanent and down.value.attempted and down.value.retry_after is None


async def test_posts_carry_their_outbox_row_and_are_not_posted_twice(
    notifier: SlackNotifier, fake_slack: FakeSlack
) -> None:
    first = await notifier.deliver(delivery())
    (post,) = fake_slack.named("chat.postMessage")
    assert post.args["metadata"] == {
        "event_type": "policybot_outbox",
        "event_payload": {"outbox_id": 7},
    }
    # the outcome was not recorded (a timeout, a dead worker): the next attempt looks first
    again = await notifier.deliver(
        Delivery(7, Recipient("slack", HEAD, "Jane Smith"), REPLY, None, maybe_sent=True)
    )
    assert again == first
    assert len(fake_slack.named("chat.postMessage")) == 1
    (history,) = fake_slack.named("conversations.history")
    assert history.args["include_all_metadata"] in (True, "true", "1")
    # a message that really was not posted is posted after looking
    other = Delivery(8, Recipient("slack", HEAD, "Jane Smith"), REPLY, None, maybe_sent=True)
    assert await notifier.deliver(other) != first
    assert len(fake_slack.named("chat.postMessage")) == 2
    assert len(fake_slack.named("conversations.open")) == 1  # the DM channel is remembered


async def test_a_rate_limit_pauses_that_method_for_every_delivery(
    notifier: SlackNotifier, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("chat.postMessage", retry_after=30, times=1)
    with pytest.raises(DeliveryError) as limited:
        await notifier.deliver(delivery())
    assert limited.value.retry_after == 30
    calls = len(fake_slack.calls)
    with pytest.raises(DeliveryError) as paused:
        await notifier.deliver(Delivery(9, Recipient("slack", HEAD, "Jane"), REPLY))
    assert not paused.value.attempted and 29 < (paused.value.retry_after or 0) <= 30
    assert len(fake_slack.calls) == calls  # nothing was sent to Slack meanwhile


def test_an_outage_lets_one_probe_through_at_a_time() -> None:
    now = [0.0]
    pauses = Pauses(clock=lambda: now[0])
    assert pauses.failed() == 2 and pauses.failed() == 4  # doubling
    with pytest.raises(Paused):
        pauses.before("chat.postMessage")
    now[0] = 4.0
    assert pauses.before("chat.postMessage") is True  # the probe
    with pytest.raises(Paused):
        pauses.before("conversations.open")  # everyone else waits for it
    pauses.succeeded()
    assert pauses.before("conversations.open") is False
