"""A Slack request before Bolt sees it: signature first, then the body, then retries.

Order matters: nothing of an unsigned body is parsed (a bad or stale signature is a 401,
whatever the body holds), a signed body that is not what Slack sends is a 400 (never a 5xx),
and an Events API callback Slack sends again (``X-Slack-Retry-Num``, after a slow or failed
first delivery) is acknowledged without being handled twice: each ``event_id`` is recorded
in the database, so a retry that reaches another server process is recognised too.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier
from sqlalchemy import delete

from bot.clock import Clock
from bot.store.conversations import ConversationStore, StaleConversation
from bot.store.models import ConversationRecord

log = logging.getLogger(__name__)

#: conversation-store key prefix of an Events API delivery already taken
EVENT_PREFIX = "slack-event:"
#: how long an event id is remembered (Slack retries within about five minutes)
EVENT_MEMORY = timedelta(hours=6)
#: how often old event ids are forgotten
FORGET_EVERY = timedelta(minutes=30)


class BadRequest(ValueError):
    """The body is signed but is not a Slack payload (answer 400)."""


def verified(verifier: SignatureVerifier, body: bytes, headers: dict[str, str]) -> bool:
    """Whether ``body`` carries a valid, fresh Slack signature (checked before any parsing)."""
    timestamp = headers.get("x-slack-request-timestamp")
    signature = headers.get("x-slack-signature")
    if not timestamp or not signature or not timestamp.isdigit():
        return False
    try:
        return verifier.is_valid(body=body, timestamp=timestamp, signature=signature)
    except (ValueError, TypeError):
        return False


def parse(body: str, content_type: str) -> dict[str, object]:
    """The payload of a signed body, checked to be readable the way Bolt will read it.

    Raises :class:`BadRequest` for anything Slack never sends: JSON that does not parse or is
    not an object, a form whose ``payload`` is not a JSON object, or text that is neither.
    """
    try:
        if content_type.startswith("application/json") or body.lstrip().startswith("{"):
            data = json.loads(body)
            if not isinstance(data, dict):
                raise BadRequest("JSON body is not an object")
            return data
        form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
        if "payload" in form:
            payload = json.loads(form["payload"])
            if not isinstance(payload, dict):
                raise BadRequest("payload is not a JSON object")
            return payload
        if not {"command", "ssl_check"} & set(form):
            raise BadRequest("form is neither a command nor an interaction")
        return dict(form)
    except (ValueError, UnicodeError) as exc:
        raise BadRequest(type(exc).__name__) from None


class EventLedger:
    """Which Events API deliveries were already taken (by ``event_id``, in the database)."""

    def __init__(self, store: ConversationStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self._last_forget = clock.now()

    async def first_time(self, event_id: str) -> bool:
        """Record ``event_id``; False if it was recorded before (a retry: do not handle)."""
        try:
            await self.store.put(EVENT_PREFIX + event_id, {}, expected_version=0)
        except StaleConversation:
            return False
        await self._forget_old()
        return True

    async def _forget_old(self) -> None:
        now = self.clock.now()
        if now - self._last_forget < FORGET_EVERY:
            return
        self._last_forget = now
        async with self.store.database.transaction() as session:
            await session.execute(
                delete(ConversationRecord).where(
                    ConversationRecord.key.startswith(EVENT_PREFIX, autoescape=True),
                    ConversationRecord.updated_at < now - EVENT_MEMORY,
                )
            )
