"""Teams conversation references, kept in the database so proactive messages survive restarts.

A proactive message (an escalation, a receipt) needs what Teams told the bot when it was
installed for, or last heard from, a person: the service URL, tenant, the bot's and the
person's Teams ids and, best, their 1:1 conversation. Stored through
:class:`~bot.store.conversations.ConversationStore` under ``teams-ref:<aad object id>``
(no table of our own). A 1:1 conversation is never replaced by a team or group one; a
person seen only in a team gets a 1:1 chat created on first delivery.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from microsoft_agents.activity import Activity, ChannelAccount, ConversationReference

from adapters.teams.reach import KEY_PREFIX, NOT_INSTALLED, Unreachable, unreachable
from bot.clock import Clock, SystemClock
from bot.store.conversations import ConversationStore

__all__ = ["NOT_INSTALLED", "ReferenceStore", "StoredReference", "Unreachable", "blocked_reason"]


@dataclass(frozen=True)
class StoredReference:
    """What is needed to message one person proactively."""

    aad_object_id: str
    user_id: str  # the person's Teams id ("29:...")
    name: str
    service_url: str
    channel_id: str
    tenant_id: str | None
    bot_id: str
    bot_name: str
    conversation_id: str | None  # their 1:1 chat with the bot, once known
    captured_at: str
    blocked: str | None = None  # why delivery cannot work (bot removed / blocked), if so

    def conversation_reference(self) -> ConversationReference:
        """The SDK reference for their 1:1 chat (``conversation_id`` must be known)."""
        return ConversationReference.model_validate(
            {
                "user": {"id": self.user_id, "name": self.name, "aadObjectId": self.aad_object_id},
                "bot": {"id": self.bot_id, "name": self.bot_name},
                "conversation": {
                    "id": self.conversation_id or "",
                    "conversationType": "personal",
                    "tenantId": self.tenant_id,
                },
                "channelId": self.channel_id,
                "serviceUrl": self.service_url,
            }
        )


#: how long this process trusts what it last stored for a person without reading it again
SEEN_FOR = 300.0
SEEN_MAX = 10_000


class ReferenceStore:
    """Capture and read Teams conversation references (one per person, by AAD object id).

    Every incoming activity is captured, so what this process last stored for a person is
    remembered for :data:`SEEN_FOR` seconds: an unchanged reference costs no database read.
    (Another process marking the person unreachable is seen when that time is up.)
    """

    def __init__(self, store: ConversationStore, *, clock: Clock | None = None) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self._seen: dict[str, tuple[StoredReference, float]] = {}

    @staticmethod
    def key(aad_object_id: str) -> str:
        """The conversation-store key for a person's reference."""
        return f"{KEY_PREFIX}{aad_object_id}"

    async def get(self, aad_object_id: str) -> StoredReference | None:
        """The stored reference for a person, or None if the bot never heard of them."""
        row = await self.store.get(self.key(aad_object_id))
        if row is None:
            return None
        data: dict[str, Any] = dict(row.state)
        return StoredReference(**data)

    async def _put(self, ref: StoredReference) -> None:
        await self.store.put(self.key(ref.aad_object_id), asdict(ref))
        self._remember(ref)

    def _remember(self, ref: StoredReference) -> None:
        if len(self._seen) >= SEEN_MAX:
            self._seen.clear()
        self._seen[ref.aad_object_id] = (ref, time.monotonic())

    async def _current(self, aad_object_id: str) -> StoredReference | None:
        """The stored reference, from memory while it is fresh (else the database)."""
        seen = self._seen.get(aad_object_id)
        if seen is not None and time.monotonic() - seen[1] < SEEN_FOR:
            return seen[0]
        ref = await self.get(aad_object_id)
        if ref is not None:
            self._remember(ref)
        return ref

    async def capture(self, activity: Activity) -> StoredReference | None:
        """Remember the sender of an incoming activity; None if it has no AAD object id."""
        sender = activity.from_property
        if sender is None or not sender.aad_object_id:
            return None
        return await self.capture_member(activity, sender)

    async def capture_member(
        self, activity: Activity, member: ChannelAccount
    ) -> StoredReference | None:
        """Remember one person seen in ``activity`` (its sender, or a member added to a team)."""
        if not member.aad_object_id or activity.recipient is None or not activity.service_url:
            return None
        conversation = activity.conversation
        personal = bool(
            conversation is not None
            and conversation.conversation_type in (None, "personal")
            and not conversation.is_group
        )
        existing = await self._current(member.aad_object_id)
        conversation_id = conversation.id if personal and conversation else None
        if conversation_id is None and existing is not None:
            conversation_id = existing.conversation_id
        tenant = (conversation.tenant_id if conversation else None) or _tenant_of(activity)
        ref = StoredReference(
            aad_object_id=member.aad_object_id,
            user_id=member.id or (existing.user_id if existing else ""),
            name=member.name or (existing.name if existing else ""),
            service_url=activity.service_url,
            channel_id=str(activity.channel_id or "msteams"),
            tenant_id=tenant or (existing.tenant_id if existing else None),
            bot_id=activity.recipient.id or "",
            bot_name=activity.recipient.name or "policybot",
            conversation_id=conversation_id,
            captured_at=self.clock.now().isoformat(),
            blocked=None,
        )
        if existing is not None and _replace(ref, captured_at=existing.captured_at) == existing:
            return existing  # nothing new: no write on every message
        await self._put(ref)
        return ref

    async def set_conversation(self, aad_object_id: str, conversation_id: str) -> None:
        """Record the 1:1 chat created for a person (after a proactive create-conversation)."""
        ref = await self.get(aad_object_id)
        if ref is not None:
            await self._put(_replace(ref, conversation_id=conversation_id))

    async def mark_blocked(self, aad_object_id: str, reason: str) -> None:
        """Record that delivery cannot work (bot removed or blocked) until they reinstall."""
        ref = await self.get(aad_object_id)
        if ref is not None and ref.blocked != reason:
            await self._put(_replace(ref, blocked=reason, conversation_id=None))

    async def unreachable(self, people: Iterable[tuple[str, str | None]]) -> list[Unreachable]:
        """Who of ``people`` ((name, AAD object id or None)) Teams cannot reach yet, and why."""
        return await unreachable(self.store, people)


def _replace(ref: StoredReference, **changes: Any) -> StoredReference:
    return StoredReference(**{**asdict(ref), **changes})


def _tenant_of(activity: Activity) -> str | None:
    data = activity.channel_data
    tenant = data.get("tenant") if isinstance(data, dict) else getattr(data, "tenant", None)
    if isinstance(tenant, dict):
        value = tenant.get("id")
        return str(value) if value else None
    return None


def blocked_reason(status: int, when: datetime) -> str:
    """The admin-facing reason recorded when Teams refuses delivery to a person."""
    day = when.strftime("%d %b %Y")
    if status == 403:
        return f"Teams refused delivery on {day}: the bot was blocked or removed by them"
    return f"Teams said on {day} that their chat with the bot no longer exists (app removed)"
