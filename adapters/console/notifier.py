"""The console notifier: prints each notification as a clear block on a text stream."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import replace
from typing import Protocol, TextIO

from adapters.console.render import render
from bot.messages import Choice
from bot.notifier import Delivery

RULE = "-" * 72


class ChoiceBoard(Protocol):
    """Whoever takes typed numbers (the console chat): buttons it can make pressable."""

    @property
    def address(self) -> str:
        """The console name of the person typing."""
        ...

    def offer(self, choices: list[Choice]) -> int:
        """Make ``choices`` pressable; the number of the first."""
        ...


class ConsoleNotifier:
    """Implements the Notifier port for ``console`` identities by printing to ``stream``.

    With a ``board`` (the chat of the person at the terminal), the buttons of a message to
    that person are numbered so typing the number presses them, like any other button;
    messages to other people list their buttons without numbers (those people press them
    in their own chat)."""

    platform = "console"

    def __init__(self, stream: TextIO | None = None, board: ChoiceBoard | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self.board = board
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
        if self.board is None or not reply.choices:
            lines.append(render(reply))
        elif delivery.recipient.address == self.board.address:
            lines.append(render(reply, numbered_from=self.board.offer(reply.choices)))
        else:
            lines.append(render(replace(reply, choices=[])))
            labels = ", ".join(c.label for c in reply.choices)
            lines.append(
                f"({name} can choose: {labels}; in their own chat, "
                f"policybot chat --as {delivery.recipient.address})"
            )
        lines.append(RULE)
        return "\n".join(lines) + "\n"

    async def deliver(self, delivery: Delivery) -> str | None:
        """Print the block; the message ref is stable per outbox row."""
        async with self._lock:
            self.stream.write(self.format(delivery))
            self.stream.flush()
        return delivery.update_ref or f"console-{delivery.id}"
