"""Button values longer than Slack allows (2,000 characters), kept whole.

A follow-up or "did you mean" button carries the question it answers; a long question (or
one in a non-Latin script, which JSON may escape six characters to one) can exceed Slack's
limit, and a value cut short is no longer valid JSON. Such a value is kept in the database
and the button carries ``stored:<digest>`` instead; pressing it reads the value back whole.
"""

from __future__ import annotations

import dataclasses
import hashlib

from adapters.slack.blocks import BUTTON_VALUE_LIMIT
from bot.messages import Reply
from bot.store.conversations import ConversationStore

STORED_PREFIX = "stored:"
KEY_PREFIX = "slack-button:"
GONE = "{}"


class ButtonValues:
    """Stores values too long for a button; resolves them when the button is pressed."""

    def __init__(self, store: ConversationStore) -> None:
        self.store = store

    async def fit(self, reply: Reply) -> Reply:
        """``reply`` with every too-long choice value replaced by a stored reference."""
        if all(len(c.value) <= BUTTON_VALUE_LIMIT for c in reply.choices):
            return reply
        choices = []
        for choice in reply.choices:
            if len(choice.value) > BUTTON_VALUE_LIMIT:
                digest = hashlib.sha256(choice.value.encode()).hexdigest()[:32]
                await self.store.put(KEY_PREFIX + digest, {"value": choice.value})
                choice = dataclasses.replace(choice, value=STORED_PREFIX + digest)
            choices.append(choice)
        return dataclasses.replace(reply, choices=choices)

    async def resolve(self, value: str) -> str:
        """A pressed button's value, whole (``{}`` if a stored one is no longer known)."""
        if not value.startswith(STORED_PREFIX):
            return value
        stored = await self.store.get(KEY_PREFIX + value[len(STORED_PREFIX) :])
        return str(stored.state.get("value", GONE)) if stored else GONE
