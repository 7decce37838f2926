"""The console notifier: prints each notification as a clear block on a text stream."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from adapters.console.render import render
from bot.notifier import Delivery

RULE = "-" * 72


class ConsoleNotifier:
    """Implements the Notifier port for ``console`` identities by printing to ``stream``."""

    platform = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self._lock = asyncio.Lock()

    def format(self, delivery: Delivery) -> str:
        """The printed block: who it is for, the title, the text and the choices."""
        reply = delivery.reply
        role = str(reply.data.get("recipient_role") or "")
        name = delivery.recipient.name or delivery.recipient.address
        header = f"To {name} ({role})" if role else f"To {name}"
        if delivery.recipient.name and delivery.recipient.address != delivery.recipient.name:
            header += f" [console: {delivery.recipient.address}]"
        if delivery.update_ref:
            header += f" (updates message {delivery.update_ref})"
        lines = [RULE, header + ":"]
        if reply.title:
            lines.append(reply.title)
        lines.append(render(reply))
        lines.append(RULE)
        return "\n".join(lines) + "\n"

    async def deliver(self, delivery: Delivery) -> str | None:
        """Print the block; the message ref is stable per outbox row."""
        async with self._lock:
            self.stream.write(self.format(delivery))
            self.stream.flush()
        return delivery.update_ref or f"console-{delivery.id}"
