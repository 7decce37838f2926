"""``TeamsNotifier``: the outbox's delivery port for Microsoft Teams.

Sends proactive 1:1 messages through the Agents SDK adapter using the conversation reference
captured when the bot was installed for (or last heard from) the person; creates the 1:1 chat
first when only a team membership is known. Updates a sent card in place when the outbox
passes the message ref back. Failures become :class:`~bot.notifier.DeliveryError` so the
outbox retries them: 429 honours ``Retry-After``; 403/404 (bot blocked or removed) and a person
with no stored reference are permanent, with a reason an admin can act on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from microsoft_agents.activity import Activity, ConversationParameters
from microsoft_agents.hosting.core import (
    AuthenticationConstants,
    ChannelServiceAdapter,
    TurnContext,
)
from pydantic import ValidationError

from adapters.teams.outgoing import reply_activity
from adapters.teams.references import NOT_INSTALLED, ReferenceStore, StoredReference, blocked_reason
from bot.notifier import Delivery, DeliveryError

log = logging.getLogger(__name__)

PLATFORM = "teams"


def message_ref(conversation_id: str, activity_id: str) -> str:
    """The opaque message ref the outbox stores for a later in-place update."""
    return json.dumps([conversation_id, activity_id])


def parse_message_ref(ref: str) -> tuple[str, str]:
    """Split a ref made by :func:`message_ref`."""
    try:
        conversation_id, activity_id = json.loads(ref)
    except (ValueError, TypeError) as exc:
        raise DeliveryError(f"unreadable Teams message ref {ref!r}", permanent=True) from exc
    return str(conversation_id), str(activity_id)


class TeamsNotifier:
    """Delivers outbox messages to people in Teams, by Azure AD object id."""

    platform = PLATFORM

    def __init__(
        self,
        adapter: ChannelServiceAdapter,
        references: ReferenceStore,
        *,
        app_id: str | None,
    ) -> None:
        self.adapter = adapter
        self.references = references
        self.app_id = app_id or ""

    async def deliver(self, delivery: Delivery) -> str | None:
        """Send (or update in place) one message; return its ref ``[conversation, activity]``."""
        aad = delivery.recipient.address
        name = delivery.recipient.name or aad
        ref = await self.references.get(aad)
        if ref is None:
            raise DeliveryError(
                f"{name} cannot be reached in Teams: {NOT_INSTALLED}", permanent=True
            )
        if ref.blocked:
            raise DeliveryError(f"{name} cannot be reached in Teams: {ref.blocked}", permanent=True)
        activity = reply_activity(delivery.reply)
        try:
            if delivery.update_ref:
                conversation_id, activity_id = parse_message_ref(delivery.update_ref)
                await self._update(ref, conversation_id, activity_id, activity)
                return delivery.update_ref
            if not ref.conversation_id:
                ref = await self._create_personal_chat(ref)
            sent_id = await self._send(ref, activity)
            return message_ref(ref.conversation_id or "", sent_id)
        except aiohttp.ClientResponseError as exc:
            raise await self._classify(ref, exc) from exc
        except ValidationError as exc:
            raise DeliveryError("Teams sent an answer the bot could not read") from exc
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise DeliveryError(f"Teams connector unreachable ({type(exc).__name__})") from exc

    async def _classify(
        self, ref: StoredReference, exc: aiohttp.ClientResponseError
    ) -> DeliveryError:
        status = exc.status
        if status == 429:
            return DeliveryError("Teams rate limit (429)", retry_after=_retry_after(exc))
        if status in (403, 404):
            reason = blocked_reason(status, self.references.clock.now())
            await self.references.mark_blocked(ref.aad_object_id, reason)
            log.warning("Teams delivery refused permanently (%s) for %s", status, ref.aad_object_id)
            return DeliveryError(f"{ref.name or 'This person'}: {reason}", permanent=True)
        if status == 401:
            return DeliveryError("Teams refused the bot's credentials (401)", retry_after=60)
        return DeliveryError(f"Teams connector error {status}", retry_after=_retry_after(exc))

    async def _run(
        self, continuation: Activity, work: Callable[[TurnContext], Awaitable[Any]]
    ) -> Any:
        """Run ``work`` in a proactive turn; exceptions reach the caller (not on_turn_error)."""
        outcome: dict[str, Any] = {}

        async def callback(context: TurnContext) -> None:
            try:
                outcome["value"] = await work(context)
            except Exception as exc:  # re-raised below, outside the SDK's pipeline
                outcome["error"] = exc

        await self.adapter.continue_conversation(self.app_id, continuation, callback)
        if "error" in outcome:
            raise outcome["error"]
        return outcome.get("value")

    async def _send(self, ref: StoredReference, activity: Activity) -> str:
        async def work(context: TurnContext) -> str:
            response = await context.send_activity(activity)
            return (response.id if response else None) or ""

        continuation = ref.conversation_reference().get_continuation_activity()
        return str(await self._run(continuation, work))

    async def _update(
        self, ref: StoredReference, conversation_id: str, activity_id: str, activity: Activity
    ) -> None:
        activity.id = activity_id

        async def work(context: TurnContext) -> None:
            await context.update_activity(activity)

        base = ref.conversation_reference()
        base.conversation.id = conversation_id
        await self._run(base.get_continuation_activity(), work)

    async def _create_personal_chat(self, ref: StoredReference) -> StoredReference:
        """Create the person's 1:1 chat with the bot (they were seen only in a team)."""
        created: dict[str, str] = {}

        async def callback(context: TurnContext) -> None:
            conversation = context.activity.conversation
            if conversation is not None and conversation.id:
                created["id"] = conversation.id

        tenant = {"tenantId": ref.tenant_id, "channelData": {"tenant": {"id": ref.tenant_id}}}
        params = ConversationParameters.model_validate(
            {
                "isGroup": False,
                "bot": {"id": ref.bot_id, "name": ref.bot_name},
                "members": [{"id": ref.user_id, "aadObjectId": ref.aad_object_id}],
                **(tenant if ref.tenant_id else {}),
            }
        )
        await self.adapter.create_conversation(
            self.app_id,
            ref.channel_id,
            ref.service_url,
            AuthenticationConstants.AGENTS_SDK_SCOPE,
            params,
            callback,
        )
        if not created.get("id"):
            raise DeliveryError("Teams did not return the new 1:1 chat's id")
        await self.references.set_conversation(ref.aad_object_id, created["id"])
        fresh = await self.references.get(ref.aad_object_id)
        if fresh is None:
            raise DeliveryError("the Teams reference disappeared while creating the 1:1 chat")
        return fresh


def _retry_after(exc: aiohttp.ClientResponseError) -> float | None:
    raw = exc.headers.get("Retry-After") if exc.headers else None
    try:
        return max(0.0, float(raw)) if raw else None
    except ValueError:
        return None
