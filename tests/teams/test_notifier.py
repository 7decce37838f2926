"""TeamsNotifier over the real Agents SDK adapter against the fake connector on loopback."""

from __future__ import annotations

from typing import Any

import pytest
from microsoft_agents.activity import Activity

from adapters.teams.app import build_adapter
from adapters.teams.auth import LOCAL_MODE_TOKEN, TeamsAuth
from adapters.teams.notifier import TeamsNotifier, message_ref
from adapters.teams.references import NOT_INSTALLED, ReferenceStore
from bot.clock import FakeClock
from bot.messages import Choice, Reply
from bot.notifier import Delivery, DeliveryError, Recipient
from bot.store.conversations import ConversationStore
from tests.teams.conftest import activity
from tests.teams.fake_connector import FakeConnector

AAD = "3f2b8c1e-6d4a-4e2b-9a7c-1d2e3f4a5b01"
REPLY = Reply(
    text="New report SM-2026-0001: Contact from a pupil, Oakfield, urgent, child involved.",
    kind="incident",
    title="New report SM-2026-0001",
    choices=[Choice("Acknowledge", "SM-2026-0001", "incident.ack", "primary")],
)


@pytest.fixture
def references(conversation_store: ConversationStore, clock: FakeClock) -> ReferenceStore:
    return ReferenceStore(conversation_store, clock=clock)


@pytest.fixture
def notifier(references: ReferenceStore) -> TeamsNotifier:
    adapter, _ = build_adapter(TeamsAuth(local_mode=True))
    return TeamsNotifier(adapter, references, app_id=None)


def _delivery(update_ref: str | None = None, outbox_id: int = 1) -> Delivery:
    return Delivery(outbox_id, Recipient("teams", AAD, "Jane Smith", 1), REPLY, update_ref)


async def _capture(references: ReferenceStore, url: str, **kw: Any) -> None:
    await references.capture(Activity.model_validate(activity(url, aad=AAD, text="hi", **kw)))


async def test_person_without_reference_is_a_permanent_error_with_reason(
    notifier: TeamsNotifier, connector: FakeConnector
) -> None:
    with pytest.raises(DeliveryError) as info:
        await notifier.deliver(_delivery())
    assert info.value.permanent
    assert "Jane Smith" in str(info.value) and "not been installed" in str(info.value)
    assert connector.calls == []


async def test_sends_card_to_stored_personal_chat_and_updates_in_place(
    notifier: TeamsNotifier, references: ReferenceStore, connector: FakeConnector
) -> None:
    await _capture(references, connector.url)
    ref = await notifier.deliver(_delivery())
    [sent] = connector.sent()
    assert sent.conversation_id == f"a:1on1-{AAD}"
    assert sent.card is not None and "SM-2026-0001" in sent.text
    assert sent.authorization == f"Bearer {LOCAL_MODE_TOKEN}"
    assert ref == message_ref(f"a:1on1-{AAD}", "act-1")

    again = await notifier.deliver(_delivery(update_ref=ref, outbox_id=2))
    assert again == ref
    [update] = connector.updates()
    assert update.activity_id == "act-1" and update.conversation_id == f"a:1on1-{AAD}"
    assert update.card is not None


async def test_person_seen_only_in_a_team_gets_a_new_personal_chat(
    notifier: TeamsNotifier, references: ReferenceStore, connector: FakeConnector
) -> None:
    await _capture(
        references,
        connector.url,
        conversation_id="19:team@thread.tacv2",
        conversation_type="channel",
    )
    ref = await notifier.deliver(_delivery())
    [created] = connector.created()
    assert created.body["members"][0]["id"] == f"29:{AAD}"
    assert created.body["tenantId"]
    [sent] = connector.sent()
    assert sent.conversation_id == f"a:1on1-29:{AAD}"
    stored = await references.get(AAD)
    assert stored is not None and stored.conversation_id == sent.conversation_id
    assert ref is not None
    # the next message goes straight to the known chat
    await notifier.deliver(_delivery(outbox_id=2))
    assert len(connector.created()) == 1


async def test_rate_limit_carries_retry_after(
    notifier: TeamsNotifier, references: ReferenceStore, connector: FakeConnector
) -> None:
    await _capture(references, connector.url)
    connector.fail_next(429, retry_after=7)
    with pytest.raises(DeliveryError) as info:
        await notifier.deliver(_delivery())
    assert info.value.retry_after == 7 and not info.value.permanent


async def test_connector_down_is_transient(
    notifier: TeamsNotifier, references: ReferenceStore, connector: FakeConnector
) -> None:
    await _capture(references, connector.url)
    connector.down()
    with pytest.raises(DeliveryError) as info:
        await notifier.deliver(_delivery())
    assert not info.value.permanent
    connector.up()
    assert await notifier.deliver(_delivery())
    assert len(connector.sent()) == 1


async def test_bot_removed_is_permanent_and_listed_for_admins(
    notifier: TeamsNotifier, references: ReferenceStore, connector: FakeConnector
) -> None:
    await _capture(references, connector.url)
    connector.fail_next(403)
    with pytest.raises(DeliveryError) as info:
        await notifier.deliver(_delivery())
    assert info.value.permanent
    missing = await references.unreachable(
        [("Jane Smith", AAD), ("Omar Khan", "3f2b8c1e-0000"), ("No Teams", None)]
    )
    reasons = {u.name: u.reason for u in missing}
    assert "blocked or removed" in reasons["Jane Smith"]
    assert reasons["Omar Khan"] == NOT_INSTALLED
    assert "no Teams" in reasons["No Teams"]
    # later deliveries fail at once without calling Teams
    before = connector.refused
    with pytest.raises(DeliveryError):
        await notifier.deliver(_delivery(outbox_id=2))
    assert connector.refused == before
    # a new message from them (reinstalled) makes them reachable again
    await _capture(references, connector.url)
    assert await references.unreachable([("Jane Smith", AAD)]) == []
